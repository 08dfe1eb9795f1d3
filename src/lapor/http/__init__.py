"""HTTP plumbing both surfaces share: dependencies, errors as answers, middleware, sessions, forms."""

"""Staff sign-in as a service: signed access tokens, revocations, the sign-in check and its throttle."""

"""The JSON API: routes that parse a request, call a service and answer (the app factory is lapor.app)."""

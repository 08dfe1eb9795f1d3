"""Staff accounts: password hashing and signed access tokens."""

"""Secrets below everything else: password hashes and the signing key file (config reads the key)."""

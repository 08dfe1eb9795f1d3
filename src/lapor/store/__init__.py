"""The store: the database that the worker writes and the API reads."""

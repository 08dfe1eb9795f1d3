"""Services: what the HTTP surfaces and the CLI call; logic over store and broker."""

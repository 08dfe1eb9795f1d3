"""The consumer: the only writer of reports and everything attached to them."""

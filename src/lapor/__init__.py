"""Lapor Kampus: campus facility complaints over a reliable Redis Streams pipeline."""

__version__ = "0.1.0"

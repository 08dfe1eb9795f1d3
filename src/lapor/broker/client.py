"""Redis connections. Created by each process at startup and passed on, never at import time."""

from __future__ import annotations

from redis.asyncio import Redis


def connect(url: str) -> Redis:
    """A client that answers ``str`` and fails fast when Redis is unreachable."""
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=5,
        health_check_interval=30,
    )

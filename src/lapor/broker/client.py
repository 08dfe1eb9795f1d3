"""Redis connections. Created by each process at startup and passed on, never at import time."""

from __future__ import annotations

from redis.asyncio import Redis


def connect(url: str) -> Redis:
    """A client that answers ``str`` and fails fast when Redis is unreachable."""
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=5,
        # Longer than any blocking read we issue (at most 5 s), so XREAD BLOCK never times out.
        socket_timeout=30,
        health_check_interval=30,
    )

"""A cap on open event streams per client address, counted in Redis over all API processes.

Each open stream is a member of a sorted set per address, scored by the latest moment it can still
be open (a stream ends after ``LAPOR_SSE_MAX_CONNECTION_SECONDS``). Admission trims the expired
members, counts and adds in one script; a stream that ends removes its member. A stream whose API
process died without removing it stops counting when its score passes, so nothing leaks for long.
Cost: one round trip when a stream opens and one when it closes, none while it is open.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncIterator

import anyio
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lapor.broker import keys
from lapor.errors import TooManyRequests

log = logging.getLogger("lapor.sse")

# A stream reads its backlog before its lifetime starts counting: this much on top of it.
_LIFETIME_SLACK_SECONDS = 60.0
# What a refused client is told to wait: streams from its address end and free a place.
_RETRY_AFTER_SECONDS = 30
_RELEASE_SECONDS = 5.0

_ADMIT = """
local now, expires, cap = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= cap then
  return 0
end
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('EXPIREAT', KEYS[1], math.ceil(expires))
return 1
"""


class StreamAdmission:
    def __init__(self, redis: Redis, *, cap: int, max_stream_seconds: float) -> None:
        self._redis = redis
        self._admit = redis.register_script(_ADMIT)
        self._cap = cap
        self._lifetime = max_stream_seconds + _LIFETIME_SLACK_SECONDS

    async def admit(self, address: str) -> str:
        """A ticket for one more stream from ``address``; 429 when it has ``cap`` open already."""
        ticket = secrets.token_urlsafe(12)
        now = time.time()
        admitted = await self._admit(
            keys=[keys.open_streams(address)], args=[ticket, now, now + self._lifetime, self._cap]
        )
        if not admitted:
            raise TooManyRequests("error.too_many_streams", seconds=_RETRY_AFTER_SECONDS)
        return ticket

    async def release(self, address: str, ticket: str) -> None:
        try:
            await self._redis.zrem(keys.open_streams(address), ticket)
        except (RedisError, OSError) as exc:  # the place expires with the stream's lifetime
            log.warning("could not release an event stream's place: %s", exc)

    async def held(self, address: str, ticket: str, body: AsyncIterator[str]) -> AsyncIterator[str]:
        """``body``, giving its place back when it ends, however it ends (a client gone included)."""
        try:
            async for chunk in body:
                yield chunk
        except (RedisError, OSError) as exc:
            # Redis went away mid-stream (the answer has started: no 503 now). End the stream with
            # one log line; the browser reconnects and resumes by id.
            log.warning("event stream ended: redis unavailable: %s: %s", type(exc).__name__, exc)
        finally:
            # Shielded: a client that disconnected cancels this task, and the release must still run.
            with anyio.move_on_after(_RELEASE_SECONDS, shield=True):
                await self.release(address, ticket)

"""Redis connections. Created by each process at startup and passed on, never at import time."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# redis-py's own default for a pool; the API passes LAPOR_REDIS_MAX_CONNECTIONS instead.
DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_POOL_TIMEOUT_SECONDS = 2.0


def connect(
    url: str,
    *,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    pool_timeout: float = DEFAULT_POOL_TIMEOUT_SECONDS,
) -> Redis:
    """A client that answers ``str``, waits briefly for a pooled connection, and fails fast.

    - A burst of requests larger than the pool waits up to ``pool_timeout`` seconds for a free
      connection instead of failing at once (redis-py's default pool raises ``MaxConnectionsError``).
    - A dropped connection (Redis restarted, an idle socket cut by a firewall) is retried once on a
      fresh one after a short jittered pause; a Redis that stays away fails within a second, so the
      API can answer 503 rather than keep its caller waiting through ten retries.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=pool_timeout,
        decode_responses=True,
        socket_connect_timeout=5,
        # Longer than any blocking read we issue (at most 5 s), so XREAD BLOCK never times out.
        socket_timeout=30,
        health_check_interval=30,
        retry=Retry(ExponentialWithJitterBackoff(cap=0.5, base=0.05), retries=1),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )
    return Redis.from_pool(pool)

"""Checking a staff member's password, rate-limited per client IP and per username in Redis.

Shared by the API's bearer tokens and the web's cookie sessions: one way to sign in.
"""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.api.errors import TooManyRequests, Unauthorized
from lapor.auth.passwords import verify_password
from lapor.broker import keys
from lapor.store import queries
from lapor.store.models import User

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_NAME = 10
MAX_FAILURES_PER_IP = 30


async def sign_in(
    session: AsyncSession, redis: Redis, *, username: str, password: str, client_ip: str
) -> User:
    """The user with these credentials; a generic 401 otherwise, 429 after too many failures."""
    scopes = [(f"ip:{client_ip}", MAX_FAILURES_PER_IP), (f"user:{username.lower()}", MAX_FAILURES_PER_NAME)]
    for scope, limit in scopes:
        failures = int(await redis.get(keys.login_attempts(scope)) or 0)
        if failures >= limit:
            ttl = int(await redis.ttl(keys.login_attempts(scope)))
            raise TooManyRequests("auth.too_many_attempts", seconds=max(ttl, 1))
    user = await queries.get_user_by_username(session, username=username)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        async with redis.pipeline(transaction=True) as pipe:
            for scope, _limit in scopes:
                pipe.incr(keys.login_attempts(scope))
                pipe.expire(keys.login_attempts(scope), WINDOW_SECONDS, nx=True)
            await pipe.execute()
        raise Unauthorized("auth.invalid_credentials")
    await redis.delete(keys.login_attempts(scopes[1][0]))
    return user

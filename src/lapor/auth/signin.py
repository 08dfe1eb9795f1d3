"""Checking a staff member's password, throttled per (username, address) and per address.

Shared by the API's bearer tokens and the web's cookie sessions: one way to sign in.
"""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.auth.throttle import Limits, SignInThrottle
from lapor.config import Settings
from lapor.credentials.passwords import verify_password_off_loop
from lapor.errors import TooManyRequests, Unauthorized
from lapor.store import queries
from lapor.store.models import User


def limits_of(settings: Settings) -> Limits:
    return Limits(
        free_per_account=settings.login_free_attempts,
        free_per_address=settings.login_free_attempts_per_address,
        max_delay_seconds=settings.login_max_delay_seconds,
    )


async def sign_in(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    *,
    username: str,
    password: str,
    client_ip: str,
) -> User:
    """The user with these credentials; a generic 401 otherwise; a 429 with the seconds to wait
    when this name at this address, or this address, must slow down (the password unchecked)."""
    throttle = SignInThrottle(redis, limits_of(settings), username=username, address=client_ip)
    wait = await throttle.reserve()
    if wait:
        raise TooManyRequests("auth.too_many_attempts", seconds=wait)
    try:
        user = await queries.get_user_by_username(session, username=username)
        valid = await verify_password_off_loop(user.password_hash if user else None, password)
    except Exception:
        await throttle.forgive(signed_in=False)  # our failure (the database), not a guess
        raise
    if user is None or not valid or not user.active:
        raise Unauthorized("auth.invalid_credentials")
    await throttle.forgive(signed_in=True)
    return user

"""What routes ask for: settings, clients, the caller's language and identity."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.api.errors import DATABASE_ERRORS, Forbidden, Unauthorized, language_of
from lapor.auth.tokens import InvalidToken, password_fingerprint, read_token
from lapor.config import Settings
from lapor.domain.enums import Role
from lapor.store import queries
from lapor.store.models import User
from lapor.web.security import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, csrf_valid

log = logging.getLogger("lapor.api")


# Dependencies are ``async def`` on purpose: FastAPI runs plain ``def`` ones in a thread pool,
# and a thread hop per dependency per request costs more than the work they do.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_redis(request: Request) -> Redis:
    redis: Redis = request.app.state.redis
    return redis


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session: the API never writes reports, so there is nothing to commit."""
    async with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[Redis, Depends(get_redis)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_language(request: Request) -> str:
    return language_of(request)


LanguageDep = Annotated[str, Depends(get_language)]


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def optional_staff(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    """The signed-in staff member (bearer token or the web's session cookie), None for an anonymous
    caller; a bad or expired token is an error. A cookie-authenticated change needs a CSRF token."""
    token = _bearer(request)
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token is None:
            return None
        if request.method not in SAFE_METHODS and not csrf_valid(
            request, settings, request.headers.get(CSRF_HEADER)
        ):
            raise Forbidden("error.csrf")
    return await staff_from_token(token, session, settings)


async def staff_from_token(token: str, session: AsyncSession, settings: Settings) -> User:
    """The active staff member a signed token names (the caller has checked CSRF where it applies)."""
    try:
        claims = read_token(settings.secret_key, token, max_age=settings.token_max_age_seconds)
    except InvalidToken as exc:
        raise Unauthorized("auth.expired" if exc.expired else "auth.required") from exc
    try:
        user = await queries.get_user(session, user_id=claims.user_id)
    except DATABASE_ERRORS:
        # Degraded mode: the signed token vouches for who this is until the database is back.
        log.warning("database unavailable; trusting the token of staff user %s", claims.user_id)
        return User(
            id=claims.user_id, username="", display_name=claims.display_name, role=claims.role, active=True
        )
    if (
        user is None
        or not user.active
        or password_fingerprint(user.password_hash) != claims.password_fingerprint
    ):
        raise Unauthorized("auth.required")
    return user


OptionalStaffDep = Annotated[User | None, Depends(optional_staff)]


async def current_staff(user: OptionalStaffDep) -> User:
    if user is None:
        raise Unauthorized("auth.required")
    return user


StaffDep = Annotated[User, Depends(current_staff)]


async def current_admin(user: StaffDep) -> User:
    if user.role != Role.ADMIN.value:
        raise Forbidden("auth.forbidden")
    return user


AdminDep = Annotated[User, Depends(current_admin)]

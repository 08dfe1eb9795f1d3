"""What routes ask for: settings, clients, the caller's language and identity."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.auth import revocation
from lapor.auth.tokens import InvalidToken, TokenClaims, password_fingerprint, read_token
from lapor.config import Settings
from lapor.domain.enums import WRITER_ROLES, Role
from lapor.errors import DATABASE_ERRORS, Forbidden, ServiceUnavailable, Unauthorized
from lapor.http.errors import language_of
from lapor.http.security import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    cross_site,
    csrf_valid,
    same_origin,
)
from lapor.store import queries
from lapor.store.models import User

log = logging.getLogger("lapor.api")

# Redis cannot be reached or answered with an error: revocations cannot be read or written.
REDIS_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


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


@dataclass(frozen=True, slots=True)
class StaffSession:
    """Who is calling, with which token, and whether the browser sent it as the session cookie."""

    user: User
    claims: TokenClaims
    by_cookie: bool


def check_cookie_write(request: Request, settings: Settings, *, csrf: str | None) -> None:
    """Refuse a change the session cookie authenticates unless it carries the session's CSRF
    token and no browser says it comes from another site."""
    if cross_site(request):
        raise Forbidden("error.cross_site")
    if not csrf_valid(request, settings, csrf):
        raise Forbidden("error.csrf")


async def _staff_session(
    request: Request, session: AsyncSession, settings: Settings, redis: Redis, *, original_api: bool
) -> StaffSession | None:
    token = _bearer(request)
    by_cookie = token is None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token is None:
            return None
        if request.method not in SAFE_METHODS:
            if original_api:
                _check_original_api_write(request)
            else:
                check_cookie_write(request, settings, csrf=request.headers.get(CSRF_HEADER))
    claims = await claims_from_token(token, settings, redis)
    user = await staff_of(claims, session)
    return StaffSession(user, claims, by_cookie)


def _check_original_api_write(request: Request) -> None:
    """The original project's pages cannot send a CSRF token (BRIEF.md's one named exception):
    their changes are accepted with the cookie only as JSON (which a page of another site cannot
    send without a CORS preflight this API never grants) and only when the browser says the
    request comes from our own origin."""
    if cross_site(request):
        raise Forbidden("error.cross_site")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" or not same_origin(request):
        raise Forbidden("error.original_api_write")


async def optional_staff_session(
    request: Request, session: SessionDep, settings: SettingsDep, redis: RedisDep
) -> StaffSession | None:
    """The signed-in staff member (bearer token or the web's session cookie), None for an anonymous
    caller; a bad, expired or revoked token is an error. A cookie-authenticated change needs the
    session's CSRF token and must not come from another site."""
    return await _staff_session(request, session, settings, redis, original_api=False)


async def optional_staff(
    staff: Annotated[StaffSession | None, Depends(optional_staff_session)],
) -> User | None:
    return None if staff is None else staff.user


async def claims_from_token(token: str, settings: Settings, redis: Redis) -> TokenClaims:
    """The claims of a valid token that was not revoked; checked in Redis, so also while the
    database is down."""
    try:
        claims = read_token(settings.signing_key, token, max_age=settings.token_max_age_seconds)
    except InvalidToken as exc:
        raise Unauthorized("auth.expired" if exc.expired else "auth.required") from exc
    try:
        revoked = await revocation.is_revoked(
            redis, token_id=claims.token_id, user_id=claims.user_id, issued_at_ms=claims.issued_at_ms
        )
    except REDIS_ERRORS as exc:
        # Fail closed: a token that may have been signed out is not trusted unchecked.
        raise ServiceUnavailable("auth.unavailable") from exc
    if revoked:
        raise Unauthorized("auth.signed_out")
    return claims


async def staff_of(claims: TokenClaims, session: AsyncSession) -> User:
    """The active staff member the claims name (the token was checked by ``claims_from_token``)."""
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


async def staff_from_token(token: str, session: AsyncSession, settings: Settings, redis: Redis) -> User:
    """The active staff member a signed, unrevoked token names (the caller has checked CSRF
    where it applies)."""
    return await staff_of(await claims_from_token(token, settings, redis), session)


OptionalStaffDep = Annotated[User | None, Depends(optional_staff)]


async def current_staff(user: OptionalStaffDep) -> User:
    if user is None:
        raise Unauthorized("auth.required")
    return user


StaffDep = Annotated[User, Depends(current_staff)]


async def current_staff_session(
    staff: Annotated[StaffSession | None, Depends(optional_staff_session)],
) -> StaffSession:
    if staff is None:
        raise Unauthorized("auth.required")
    return staff


StaffSessionDep = Annotated[StaffSession, Depends(current_staff_session)]


async def original_api_staff(
    request: Request, session: SessionDep, settings: SettingsDep, redis: RedisDep
) -> User:
    """Staff for the original project's endpoints: as ``StaffDep``, except that a change sent with
    the session cookie needs no CSRF token, only JSON from our own origin (see
    ``_check_original_api_write``)."""
    staff = await _staff_session(request, session, settings, redis, original_api=True)
    if staff is None:
        raise Unauthorized("auth.required")
    return staff.user


OriginalApiStaffDep = Annotated[User, Depends(original_api_staff)]


def require_writer(user: User) -> User:
    """The staff member, when their role may change reports; a viewer gets a 403."""
    if Role(user.role) not in WRITER_ROLES:
        raise Forbidden("auth.read_only")
    return user


async def current_writer(user: StaffDep) -> User:
    return require_writer(user)


WriterDep = Annotated[User, Depends(current_writer)]


async def original_api_writer(user: OriginalApiStaffDep) -> User:
    return require_writer(user)


OriginalApiWriterDep = Annotated[User, Depends(original_api_writer)]


async def current_admin(user: StaffDep) -> User:
    if user.role != Role.ADMIN.value:
        raise Forbidden("auth.forbidden")
    return user


AdminDep = Annotated[User, Depends(current_admin)]

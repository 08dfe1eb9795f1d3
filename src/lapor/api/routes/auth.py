"""Staff sign-in: a bearer token for a username and password, rate-limited per IP and per name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from lapor.api.deps import RedisDep, SessionDep, SettingsDep, StaffDep
from lapor.api.errors import TooManyRequests, Unauthorized
from lapor.auth.passwords import verify_password
from lapor.auth.tokens import TokenClaims, issue_token, password_fingerprint
from lapor.broker import keys
from lapor.store import queries

router = APIRouter(prefix="/api/auth", tags=["auth"])

_WINDOW_SECONDS = 15 * 60
_MAX_FAILURES_PER_NAME = 10
_MAX_FAILURES_PER_IP = 30


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class Me(BaseModel):
    username: str
    display_name: str
    role: str


@router.post("/token", response_model=Token, summary="Sign in as staff")
async def token(
    credentials: Credentials, request: Request, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> Token:
    client_ip = request.client.host if request.client else "unknown"
    scopes = [
        (f"ip:{client_ip}", _MAX_FAILURES_PER_IP),
        (f"user:{credentials.username.lower()}", _MAX_FAILURES_PER_NAME),
    ]
    for scope, limit in scopes:
        failures = int(await redis.get(keys.login_attempts(scope)) or 0)
        if failures >= limit:
            ttl = int(await redis.ttl(keys.login_attempts(scope)))
            raise TooManyRequests("auth.too_many_attempts", seconds=max(ttl, 1))
    user = await queries.get_user_by_username(session, username=credentials.username)
    valid = verify_password(user.password_hash if user else None, credentials.password)
    if user is None or not valid or not user.active:
        async with redis.pipeline(transaction=True) as pipe:
            for scope, _limit in scopes:
                pipe.incr(keys.login_attempts(scope))
                pipe.expire(keys.login_attempts(scope), _WINDOW_SECONDS, nx=True)
            await pipe.execute()
        raise Unauthorized("auth.invalid_credentials")
    await redis.delete(keys.login_attempts(scopes[1][0]))
    claims = TokenClaims(user.id, password_fingerprint(user.password_hash), user.role, user.display_name)
    return Token(
        access_token=issue_token(settings.secret_key, claims), expires_in=settings.token_max_age_seconds
    )


@router.get("/me", response_model=Me, summary="Who the bearer token belongs to")
async def me(user: StaffDep) -> Me:
    return Me(username=user.username, display_name=user.display_name, role=user.role)

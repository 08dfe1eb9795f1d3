"""Staff sign-in: a bearer token for a username and password, throttled per name and address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from lapor.api.deps import RedisDep, SessionDep, SettingsDep, StaffDep
from lapor.api.errors import error_responses
from lapor.api.fields import NoNul
from lapor.auth.signin import sign_in
from lapor.auth.tokens import TokenClaims, issue_token, password_fingerprint

router = APIRouter(prefix="/api/auth", tags=["auth"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoNul]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class Me(BaseModel):
    username: str
    display_name: str
    role: str


@router.post(
    "/token", response_model=Token, summary="Sign in as staff", responses=error_responses(401, 422, 429, 503)
)
async def token(
    credentials: Credentials, request: Request, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> Token:
    client_ip = request.client.host if request.client else "unknown"
    user = await sign_in(
        session,
        redis,
        settings,
        username=credentials.username,
        password=credentials.password,
        client_ip=client_ip,
    )
    claims = TokenClaims(user.id, password_fingerprint(user.password_hash), user.role, user.display_name)
    return Token(
        access_token=issue_token(settings.secret_key, claims), expires_in=settings.token_max_age_seconds
    )


@router.get(
    "/me", response_model=Me, summary="Who the bearer token belongs to", responses=error_responses(401)
)
async def me(user: StaffDep) -> Me:
    return Me(username=user.username, display_name=user.display_name, role=user.role)

"""Staff sign-in (a bearer token for a username and password, throttled per name and address)
and sign-out (this token, or every token of the caller)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from lapor.auth import revocation
from lapor.auth.signin import sign_in
from lapor.auth.tokens import TokenClaims, issue_token, password_fingerprint
from lapor.domain.fields import NoNul
from lapor.errors import ServiceUnavailable
from lapor.http.deps import (
    REDIS_ERRORS,
    RedisDep,
    SessionDep,
    SettingsDep,
    StaffDep,
    StaffSession,
    StaffSessionDep,
)
from lapor.http.errors import error_responses
from lapor.http.security import SESSION_COOKIE, end_session, session_cookie_settings
from lapor.services import accounts

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
        access_token=issue_token(settings.signing_key, claims), expires_in=settings.token_max_age_seconds
    )


@router.get(
    "/me", response_model=Me, summary="Who the bearer token belongs to", responses=error_responses(401)
)
async def me(user: StaffDep) -> Me:
    return Me(username=user.username, display_name=user.display_name, role=user.role)


@router.post(
    "/logout",
    status_code=204,
    summary="Sign out: revoke the token or session cookie this request carries",
    responses=error_responses(401, 403, 503),
)
async def logout(staff: StaffSessionDep, redis: RedisDep, settings: SettingsDep) -> Response:
    """The token is refused from now on, by every API process, until it would have expired."""
    expires_at = staff.claims.expires_at(settings.token_max_age_seconds)
    try:
        await revocation.revoke_token(redis, token_id=staff.claims.token_id, expires_at=expires_at)
    except REDIS_ERRORS as exc:
        raise ServiceUnavailable("auth.unavailable") from exc
    return _signed_out(staff)


@router.post(
    "/logout-all",
    status_code=204,
    summary="Sign out everywhere: revoke every token of this staff member issued until now",
    responses=error_responses(401, 403, 503),
)
async def logout_all(staff: StaffSessionDep, redis: RedisDep, settings: SettingsDep) -> Response:
    """Every bearer token and session of the caller is refused from now on; signing in again works."""
    max_age = settings.token_max_age_seconds
    try:
        await revocation.revoke_user_before(redis, user_id=staff.claims.user_id, max_token_age=max_age)
    except REDIS_ERRORS as exc:
        raise ServiceUnavailable("auth.unavailable") from exc
    return _signed_out(staff)


def _signed_out(staff: StaffSession) -> Response:
    """204; a browser signed in with the cookie forgets it."""
    response = Response(status_code=204)
    if staff.by_cookie:
        end_session(response)
    return response


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    new_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)] = Field(
        description="At least 10 characters, at least 5 different ones, not containing the username"
    )


@router.post(
    "/password",
    response_model=Token,
    summary="Change your own password: every other session ends; this one continues with a fresh token",
    responses=error_responses(401, 403, 422, 503),
)
async def change_password(
    body: PasswordChange,
    request: Request,
    response: Response,
    staff: StaffSessionDep,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Token:
    """The old password is required. Every token and session of the caller issued until now is
    revoked (the one this request carries too); the answer holds a fresh token, and a browser
    signed in with the cookie gets it as its new session cookie."""
    fresh = await accounts.change_password(
        sessions=request.app.state.sessions,
        session=session,
        redis=redis,
        settings=settings,
        user=staff.user,
        old_password=body.old_password,
        new_password=body.new_password,
    )
    if staff.by_cookie:
        response.set_cookie(SESSION_COOKIE, fresh, **session_cookie_settings(request, settings))
    return Token(access_token=fresh, expires_in=settings.token_max_age_seconds)


class InvitationAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The token of the one-time link (its `token` query parameter)"
    )
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)] = Field(
        description="At least 10 characters, at least 5 different ones, not containing the username"
    )


class Joined(BaseModel):
    username: str
    command_id: str | None = None


@router.post(
    "/invitation",
    status_code=202,
    response_model=Joined,
    summary="Choose your password through a one-time link (invitation or reset); then sign in",
    responses=error_responses(404, 409, 410, 422, 503),
)
async def accept_invitation(
    body: InvitationAccept, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> Joined:
    user = await accounts.accept(
        session=session, redis=redis, settings=settings, token=body.token, password=body.password
    )
    return Joined(username=user.username)

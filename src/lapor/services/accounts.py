"""Staff accounts: invitations, roles, deactivation, one-time links, passwords.

Every change is a command the worker applies (the API never writes the database). The rules are
checked here first, against the database, so a person gets a clear 4xx at once; the worker checks
the ones two admins could race on again and then applies nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lapor.auth import revocation
from lapor.auth.tokens import TokenClaims, issue_token, password_fingerprint
from lapor.broker import keys
from lapor.broker.intake_script import send_command
from lapor.config import Settings
from lapor.credentials.passwords import hash_password_off_loop, verify_password_off_loop
from lapor.domain import accounts as rules
from lapor.domain.commands import (
    AcceptInvitation,
    Actor,
    AnyCommand,
    ChangeUser,
    InviteUser,
    ResetUser,
    SetPassword,
    utcnow,
)
from lapor.domain.enums import Role
from lapor.errors import Conflict, Gone, NotFound, ServiceUnavailable, ValidationFailed
from lapor.store import accounts_queries, queries
from lapor.store.models import Invitation, ProcessedCommand, User

# How long a password change waits for the worker before answering (normally milliseconds).
APPLY_WAIT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Link:
    """A one-time link, shown once to the admin who asked for it."""

    url: str
    expires_at: datetime
    command_id: str


def actor_of(user: User) -> Actor:
    """The staff member as a command's actor."""
    return Actor(role=Role(user.role), name=user.display_name, user_id=user.id)


async def send(*, redis: Redis, settings: Settings, command: AnyCommand) -> str:
    """Put a command on the stream; 503 when Redis cannot take it."""
    try:
        await send_command(redis, command, wait_aof=settings.redis_wait_aof)
    except (RedisError, OSError) as exc:
        raise ServiceUnavailable("error.broker_unavailable") from exc
    return command.command_id


def link_url(*, settings: Settings, token: str) -> str:
    """The absolute address of a one-time link (LAPOR_PUBLIC_URL)."""
    return f"{settings.resolved_public_url}/staff/join?token={token}"


async def invite(
    *,
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    admin: User,
    username: str,
    display_name: str,
    role: Role,
) -> Link:
    """A new account and its one-time link; 409 when the username is taken."""
    if not rules.is_username(username):
        raise ValidationFailed([("username", "account.username_rule", {})])
    if await queries.get_user_by_username(session, username=username) is not None:
        raise Conflict("account.username_taken", username=username)
    token = rules.new_link_token()
    expires_at = rules.link_expiry(utcnow())
    command = InviteUser(
        actor=actor_of(admin),
        username=username,
        display_name=display_name,
        role=role,
        token_hash=rules.hash_link_token(token),
        expires_at=expires_at,
    )
    await send(redis=redis, settings=settings, command=command)
    return Link(link_url(settings=settings, token=token), expires_at, command.command_id)


async def require_user(*, session: AsyncSession, user_id: int) -> User:
    """The account with this id; 404 otherwise."""
    user = await queries.get_user(session, user_id=user_id)
    if user is None:
        raise NotFound("account.not_found")
    return user


async def change(
    *,
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    admin: User,
    user_id: int,
    role: Role | None = None,
    display_name: str | None = None,
    active: bool | None = None,
) -> str:
    """Change a role, a name or whether the account is active; 409 for the last active admin.

    Deactivating, or changing the role, ends every session and token of that member at once (in
    Redis, checked on every request, degraded mode included): a token carries its role for the
    time the database is down, so an old one must not keep a role that was taken away.
    """
    user = await require_user(session=session, user_id=user_id)
    admins = await accounts_queries.active_admins(session)
    if rules.removes_last_admin(
        user.role, user.active, role=role.value if role else None, active=active, admins=admins
    ):
        raise Conflict("account.last_admin")
    if active is False or (role is not None and role.value != user.role):
        await _revoke_all(redis=redis, settings=settings, user_id=user.id)
    command = ChangeUser(
        actor=actor_of(admin), user_id=user.id, role=role, display_name=display_name, active=active
    )
    return await send(redis=redis, settings=settings, command=command)


async def reset(
    *, session: AsyncSession, redis: Redis, settings: Settings, admin: User, user_id: int
) -> Link:
    """A new one-time link for an account; its older unused links stop working."""
    user = await require_user(session=session, user_id=user_id)
    token = rules.new_link_token()
    expires_at = rules.link_expiry(utcnow())
    command = ResetUser(
        actor=actor_of(admin), user_id=user.id, token_hash=rules.hash_link_token(token), expires_at=expires_at
    )
    await send(redis=redis, settings=settings, command=command)
    return Link(link_url(settings=settings, token=token), expires_at, command.command_id)


async def check_link(*, session: AsyncSession, token: str) -> tuple[Invitation, User]:
    """The link and its account; 404 unknown or replaced, 409 used, 410 expired."""
    link = await accounts_queries.get_link(session, token_hash=rules.hash_link_token(token))
    if link is None:
        raise NotFound("account.link_unknown")
    if link.used_at is not None:
        raise Conflict("account.link_used")
    if link.expires_at <= utcnow():
        raise Gone("account.link_expired")
    user = await require_user(session=session, user_id=link.user_id)
    if not user.active:
        raise Conflict("account.inactive")
    return link, user


async def accept(
    *, session: AsyncSession, redis: Redis, settings: Settings, token: str, password: str
) -> User:
    """Choose a password through a one-time link; the link is then used up."""
    link, user = await check_link(session=session, token=token)
    _check_password(password, username=user.username, field="password")
    password_hash = await hash_password_off_loop(password)
    try:
        # A second use at the same moment (a double click, two tabs) finds the claim.
        ttl = int(rules.INVITATION_LIFETIME.total_seconds()) + 3600
        claimed = await redis.set(keys.link_claim(link.token_hash), "1", nx=True, ex=ttl)
    except (RedisError, OSError) as exc:
        raise ServiceUnavailable("error.broker_unavailable") from exc
    if not claimed:
        raise Conflict("account.link_used")
    command = AcceptInvitation(token_hash=link.token_hash, password_hash=password_hash)
    try:
        # A reset ends whatever sessions the old password had, degraded mode included.
        await _revoke_all(redis=redis, settings=settings, user_id=user.id)
        await send(redis=redis, settings=settings, command=command)
    except ServiceUnavailable:
        # Not sent: the link is not used up; the member can try again in a moment.
        with contextlib.suppress(RedisError, OSError):
            await redis.delete(keys.link_claim(link.token_hash))
        raise
    return user


async def change_password(
    *,
    sessions: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    user: User,
    old_password: str,
    new_password: str,
) -> str:
    """Change one's own password: every other session and token ends; returns a fresh token
    (signed with the new password's fingerprint) that keeps this one signed in."""
    if not await verify_password_off_loop(user.password_hash, old_password):
        raise ValidationFailed([("old_password", "account.wrong_password", {})])
    _check_password(new_password, username=user.username, field="new_password")
    password_hash = await hash_password_off_loop(new_password)
    command = SetPassword(actor=actor_of(user), user_id=user.id, password_hash=password_hash)
    revoked_at = await _revoke_all(redis=redis, settings=settings, user_id=user.id)
    await send(redis=redis, settings=settings, command=command)
    claims = TokenClaims(
        user.id,
        password_fingerprint(password_hash),
        user.role,
        user.display_name,
        issued_at_ms=max(revoked_at, time.time_ns() // 1_000_000),
    )
    await wait_applied(sessions=sessions, command_id=command.command_id)
    return issue_token(settings.signing_key, claims)


async def wait_applied(
    *, sessions: async_sessionmaker[AsyncSession], command_id: str, seconds: float = APPLY_WAIT_SECONDS
) -> bool:
    """Whether the worker applied this command within ``seconds`` (asked every 50 ms).

    A password change answers with a token signed for the new password, which works once the
    worker has stored it: the answer waits for that, so the caller's next request succeeds."""
    deadline = time.monotonic() + seconds
    while True:
        async with sessions() as fresh:
            if await fresh.get(ProcessedCommand, command_id) is not None:
                return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.05)


def _check_password(password: str, *, username: str, field: str) -> None:
    problem = rules.password_problem(password, username=username)
    if problem is not None:
        raise ValidationFailed(
            [(field, problem, {"min": rules.MIN_PASSWORD_LENGTH, "distinct": rules.MIN_DISTINCT_CHARACTERS})]
        )


async def _revoke_all(*, redis: Redis, settings: Settings, user_id: int) -> int:
    """End every session and token of this member issued until now; returns the time (ms)."""
    try:
        return await revocation.revoke_user_before(
            redis, user_id=user_id, max_token_age=settings.token_max_age_seconds
        )
    except (RedisError, OSError) as exc:
        raise ServiceUnavailable("auth.unavailable") from exc

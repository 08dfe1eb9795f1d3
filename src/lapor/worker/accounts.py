"""Applying the office's own changes: staff accounts, one-time links, categories; each recorded
in the audit log in the same transaction, with who, when and before → after (never a secret).

The API checked every rule before it sent the command (a clear 4xx there); the worker checks the
ones that can change in between (the last active admin, a username or slug taken meanwhile, a
link used meanwhile) and then applies nothing, so nothing is ever half-applied.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lapor.domain.accounts import removes_last_admin
from lapor.domain.commands import (
    AcceptInvitation,
    AccountCommand,
    Actor,
    ChangeUser,
    InviteUser,
    ResetUser,
    SaveCategory,
    SetPassword,
    utcnow,
)
from lapor.domain.enums import Role
from lapor.store.models import AuditEntry, Category, Invitation, User

log = logging.getLogger("lapor.worker")

# No argon2 hash: nobody can sign in with an invited account until its link is used.
NO_PASSWORD = "!"  # noqa: S105 - a marker, not a password

# What the audit log shows of an account and of a category: never the password hash.
_USER_FIELDS = ("username", "display_name", "role", "active")
_CATEGORY_FIELDS = ("name_id", "name_en", "default_priority", "position", "active", "never_public")


def apply_account_command(session: Session, command: AccountCommand) -> int | None:
    """Apply one of the office's commands inside the caller's transaction; returns the member
    whose sessions end once it is committed (deactivated or given another role), or None.

    The API ended them already when it sent the command; the worker ends them again after the
    commit, so that a sign-in squeezed in between (the account still active then) does not leave
    a token that degraded mode would trust."""
    if isinstance(command, ChangeUser):
        return _change(session, command)
    if isinstance(command, InviteUser):
        _invite(session, command)
    elif isinstance(command, ResetUser):
        _reset(session, command)
    elif isinstance(command, AcceptInvitation):
        _accept(session, command)
    elif isinstance(command, SetPassword):
        _set_password(session, command)
    else:
        _save_category(session, command)
    return None


def record_audit(
    session: Session,
    command_id: str,
    actor: Actor,
    action: str,
    target: tuple[str, str],
    before: Mapping[str, object] | None,
    after: Mapping[str, object] | None,
) -> None:
    """One audit log row in the caller's transaction: for every admin change (other areas' handlers
    call it too: places, hiding, …). ``before``/``after`` hold only the fields that changed, and
    never a secret."""
    session.add(
        AuditEntry(
            at=utcnow(),
            command_id=command_id,
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=action,
            target_type=target[0],
            target=target[1],
            before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None,
        )
    )


def _user_values(user: User) -> dict[str, object]:
    return {name: getattr(user, name) for name in _USER_FIELDS}


def _refuse(command_id: str, why: str) -> None:
    # The API refused this with a 4xx already; it can only get here by a race between two admins.
    log.warning("command %s not applied: %s", command_id, why)


def _invite(session: Session, command: InviteUser) -> None:
    if session.scalar(select(User.id).where(User.username == command.username)) is not None:
        return _refuse(command.command_id, "username taken")
    now = utcnow()
    user = User(
        username=command.username,
        display_name=command.display_name,
        role=command.role.value,
        password_hash=NO_PASSWORD,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    _add_link(session, user.id, command.token_hash, "invite", now, command.expires_at)
    after = {**_user_values(user), "link_expires_at": _iso(command.expires_at)}
    record_audit(
        session, command.command_id, command.actor, "user.invite", ("user", user.username), None, after
    )


def _add_link(
    session: Session, user_id: int, token_hash: str, purpose: str, now: datetime, expires_at: datetime
) -> None:
    # One link at a time: a newer one replaces the older unused ones (a link handed to the wrong
    # person is taken back by issuing a new one).
    session.execute(delete(Invitation).where(Invitation.user_id == user_id, Invitation.used_at.is_(None)))
    session.add(
        Invitation(
            token_hash=token_hash, user_id=user_id, purpose=purpose, created_at=now, expires_at=expires_at
        )
    )


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    return session.scalar(query) or 0


def _change(session: Session, command: ChangeUser) -> int | None:
    user = session.get(User, command.user_id, with_for_update=True)
    if user is None:
        _refuse(command.command_id, "no such user")
        return None
    role = command.role.value if command.role is not None else None
    if removes_last_admin(
        user.role, user.active, role=role, active=command.active, admins=_active_admins(session)
    ):
        _refuse(command.command_id, "the last active admin")
        return None
    before = _user_values(user)
    if role is not None:
        user.role = role
    if command.display_name is not None:
        user.display_name = command.display_name
    if command.active is not None:
        user.active = command.active
    after = _user_values(user)
    if after != before:
        changed = {k for k in after if after[k] != before[k]}
        record_audit(
            session,
            command.command_id,
            command.actor,
            _change_action(changed, command.active),
            ("user", user.username),
            {k: before[k] for k in sorted(changed)},
            {k: after[k] for k in sorted(changed)},
        )
    return user.id if command.active is False or before["role"] != after["role"] else None


def _change_action(changed: set[str], active: bool | None) -> str:
    if changed == {"active"}:
        return "user.deactivate" if active is False else "user.reactivate"
    return "user.update"


def _reset(session: Session, command: ResetUser) -> None:
    user = session.get(User, command.user_id)
    if user is None:
        return _refuse(command.command_id, "no such user")
    _add_link(session, user.id, command.token_hash, "reset", utcnow(), command.expires_at)
    after = {"link_expires_at": _iso(command.expires_at)}
    record_audit(
        session, command.command_id, command.actor, "user.reset", ("user", user.username), None, after
    )


def _accept(session: Session, command: AcceptInvitation) -> None:
    link = session.get(Invitation, command.token_hash, with_for_update=True)
    now = utcnow()
    if link is None or link.used_at is not None or link.expires_at <= now:
        return _refuse(command.command_id, "link unknown, used or expired")
    user = session.get(User, link.user_id)
    if user is None:
        return _refuse(command.command_id, "no such user")
    link.used_at = now
    user.password_hash = command.password_hash
    actor = Actor(role=Role(user.role), name=user.display_name, user_id=user.id)
    action = "user.join" if link.purpose == "invite" else "user.password_reset"
    record_audit(
        session, command.command_id, actor, action, ("user", user.username), None, {"password": "changed"}
    )


def _set_password(session: Session, command: SetPassword) -> None:
    user = session.get(User, command.user_id)
    if user is None:
        return _refuse(command.command_id, "no such user")
    user.password_hash = command.password_hash
    target = ("user", user.username)
    record_audit(
        session, command.command_id, command.actor, "user.password", target, None, {"password": "changed"}
    )


def _save_category(session: Session, command: SaveCategory) -> None:
    category = session.get(Category, command.slug, with_for_update=True)
    if command.create:
        if category is not None:
            return _refuse(command.command_id, "slug taken")
        category = Category(
            slug=command.slug, name_id="", name_en="", position=0, active=True, never_public=False
        )
        session.add(category)
        before: dict[str, object] | None = None
    elif category is None:
        return _refuse(command.command_id, "no such category")
    else:
        before = _category_values(category)
    for name in _CATEGORY_FIELDS:
        value = getattr(command, name)
        if value is not None:
            setattr(category, name, value.value if name == "default_priority" else value)
    if command.create and command.default_priority is None:
        category.default_priority = "normal"
    after = _category_values(category)
    if before is not None:
        changed = sorted(k for k in after if after[k] != before[k])
        if not changed:
            return None
        before, after = {k: before[k] for k in changed}, {k: after[k] for k in changed}
    action = "category.create" if command.create else "category.update"
    record_audit(
        session, command.command_id, command.actor, action, ("category", command.slug), before, after
    )
    return None


def _category_values(category: Category) -> dict[str, object]:
    return {name: getattr(category, name) for name in _CATEGORY_FIELDS}


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")

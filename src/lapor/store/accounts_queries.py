"""Reads for the office's own set-up: staff accounts, one-time links, categories, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.store.models import AuditEntry, Category, Invitation, User


async def list_users(session: AsyncSession) -> list[User]:
    """Every staff account, active or not, by name."""
    return list(await session.scalars(select(User).order_by(User.display_name, User.id)))


async def open_links(session: AsyncSession) -> dict[int, Invitation]:
    """Each account's unused one-time link (at most one: a newer one replaces the older)."""
    rows = await session.scalars(select(Invitation).where(Invitation.used_at.is_(None)))
    return {link.user_id: link for link in rows}


async def get_link(session: AsyncSession, *, token_hash: str) -> Invitation | None:
    return await session.get(Invitation, token_hash)


async def active_admins(session: AsyncSession) -> int:
    query = select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    return (await session.scalar(query)) or 0


async def get_category(session: AsyncSession, *, slug: str) -> Category | None:
    return await session.get(Category, slug)


@dataclass(frozen=True, slots=True)
class AuditFilters:
    action: str | None = None  # exact ("user.invite") or a prefix ending in "." ("user.")
    target_type: str | None = None
    target: str | None = None
    actor: str | None = None  # the actor's display name
    since: datetime | None = None
    until: datetime | None = None


async def list_audit(
    session: AsyncSession, *, filters: AuditFilters, limit: int, before_id: int | None = None
) -> list[AuditEntry]:
    """Audit entries, newest first, filtered; ``before_id`` pages on (keyset)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.target:
        query = query.where(AuditEntry.target == filters.target)
    if filters.actor:
        query = query.where(AuditEntry.actor_name == filters.actor)
    if filters.since:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.at < filters.until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(await session.scalars(query))

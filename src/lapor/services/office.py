"""The office's categories and its audit log, for the admin pages and /api/admin."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.config import Settings
from lapor.domain import accounts as rules
from lapor.domain.commands import SaveCategory
from lapor.domain.enums import Priority
from lapor.errors import Conflict, NotFound, ValidationFailed
from lapor.services.accounts import actor_of, send
from lapor.services.views import iso_utc
from lapor.store import accounts_queries, queries
from lapor.store.models import AuditEntry, Category, User


def category_view(category: Category) -> dict[str, Any]:
    """A category as the admin reads it."""
    return {
        "slug": category.slug,
        "name_id": category.name_id,
        "name_en": category.name_en,
        "default_priority": category.default_priority,
        "position": category.position,
        "active": category.active,
        "never_public": category.never_public,
    }


async def list_categories(*, session: AsyncSession) -> list[dict[str, Any]]:
    """Every category, retired ones too, in form order."""
    return [category_view(c) for c in await queries.list_categories(session, active_only=False)]


async def create_category(
    *,
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    admin: User,
    slug: str,
    name_id: str,
    name_en: str,
    default_priority: Priority,
    position: int,
) -> str:
    """A new category; 409 when the slug is taken (by an active or a retired one)."""
    if re.fullmatch(rules.SLUG_PATTERN, slug) is None:
        raise ValidationFailed([("slug", "category.slug_rule", {})])
    if await accounts_queries.get_category(session, slug=slug) is not None:
        raise Conflict("category.slug_taken", slug=slug)
    command = SaveCategory(
        actor=actor_of(admin),
        slug=slug,
        create=True,
        name_id=name_id,
        name_en=name_en,
        default_priority=default_priority,
        position=position,
        active=True,
    )
    return await send(redis=redis, settings=settings, command=command)


async def change_category(
    *,
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    admin: User,
    slug: str,
    changes: dict[str, Any],
) -> str:
    """Change a category's names, default priority, order, active/retired or never_public; 404 if unknown."""
    if await accounts_queries.get_category(session, slug=slug) is None:
        raise NotFound("category.not_found")
    command = SaveCategory(actor=actor_of(admin), slug=slug, **changes)
    return await send(redis=redis, settings=settings, command=command)


async def list_users(*, session: AsyncSession) -> list[dict[str, Any]]:
    """Every staff account, with whether it has a password yet and its open link's expiry."""
    links = await accounts_queries.open_links(session)
    return [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "active": u.active,
            "has_password": u.password_hash.startswith("$argon2"),
            "link_expires_at": iso_utc(links[u.id].expires_at) if u.id in links else None,
            "created_at": iso_utc(u.created_at),
        }
        for u in await accounts_queries.list_users(session)
    ]


def audit_view(entry: AuditEntry) -> dict[str, Any]:
    """An audit entry as the admin reads it (times RFC 3339 UTC)."""
    return {
        "id": entry.id,
        "at": iso_utc(entry.at),
        "actor": entry.actor_name,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
    }


async def list_audit(
    *,
    session: AsyncSession,
    filters: accounts_queries.AuditFilters,
    limit: int,
    before_id: int | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the audit log, newest first, and the ``before_id`` of the next page (or None)."""
    rows = await accounts_queries.list_audit(session, filters=filters, limit=limit + 1, before_id=before_id)
    more = len(rows) > limit
    rows = rows[:limit]
    return [audit_view(r) for r in rows], (rows[-1].id if more and rows else None)


def parse_time(value: str | None, field: str) -> datetime | None:
    """An RFC 3339 time from a filter; 422 when it is not one."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed([(field, "field.invalid", {})]) from exc
    if parsed.tzinfo is None:
        raise ValidationFailed([(field, "field.invalid", {})])
    return parsed

"""Who may see a report in public, and what a merged duplicate's followers see of the kept one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.errors import NotFound
from lapor.i18n import translate
from lapor.services.views import iso_utc, public_report, report_links
from lapor.store import places_queries, queries
from lapor.store.models import Category, Report, TimelineEntry


class NotPublic(NotFound):
    """A 404 for the public: the report exists but is hidden, or of a ``never_public`` category."""


async def is_public(session: AsyncSession, report: Report) -> bool:
    """Whether a public view may show the report: not hidden, not of a ``never_public`` category."""
    if report.hidden:
        return False
    return not await never_public(session, report.category)


async def never_public(session: AsyncSession, category: str) -> bool:
    """Whether the category's reports stay off every public view."""
    return bool(await session.scalar(select(Category.never_public).where(Category.slug == category)))


async def kept_view(session: AsyncSession, kept_id: str) -> dict[str, Any] | None:
    """What a merged duplicate's reporter sees of the report they now follow: its public view and
    the public steps of its timeline (when and to what its status changed; no notes, no names).
    None when that report is not public (hidden, or of a category that never is)."""
    kept = await queries.get_report(session, report_id=kept_id)
    if kept is None or not await is_public(session, kept):
        return None
    rooms = await places_queries.room_refs(session, codes={kept.room_code} if kept.room_code else set())
    view = public_report(
        kept,
        assignee=None,
        timeline=None,
        language="id",
        audience="public",
        room=rooms.get(kept.room_code) if kept.room_code else None,
    )
    entries = await session.scalars(
        select(TimelineEntry)
        .where(
            TimelineEntry.report_id == kept_id,
            TimelineEntry.kind.in_(("created", "status", "merged")),
        )
        .order_by(TimelineEntry.id)
    )
    view["timeline"] = [
        {
            "at": iso_utc(entry.at),
            "kind": entry.kind,
            "status": entry.to_status,
            "from_status": entry.from_status,
        }
        for entry in entries
    ]
    return view


def private_shell(report_id: str, language: str) -> dict[str, Any]:
    """What a tracking page shows of a report the public may not see: its id, nothing else; the
    page's script fills in the reporter's view when this browser holds the tracking token."""
    epoch = "1970-01-01T00:00:00Z"
    return {
        "id": report_id,
        "title": translate("merge.track.private_title", language),
        "category": "",
        "location": "—",
        "status": "pending",
        "priority": "normal",
        "created_at": epoch,
        "updated_at": epoch,
        "photo_status": "none",
        "links": report_links(report_id),
        "timeline": [],
        "duplicate_of": None,
    }

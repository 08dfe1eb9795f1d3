"""Reads for "me too": whether a report may be supported, who supports it, a room's open reports."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.store.models import Category, Report, ReportSupporter
from lapor.store.places_queries import OPEN_STATUSES, publicly_listed

RoomSort = Literal["newest", "me_too"]
ROOM_REPORTS_LIMIT = 20


async def is_publicly_listed(session: AsyncSession, *, report_id: str) -> bool:
    """Whether the report may appear in a public view (not hidden, not of a ``never_public`` category)."""
    found = await session.scalar(select(Report.id).where(Report.id == report_id, publicly_listed()))
    return found is not None


async def category_is_public(session: AsyncSession, *, slug: str) -> bool:
    """False for a ``never_public`` category: a queued report of it is not "me too"-able either."""
    never = await session.scalar(select(Category.never_public).where(Category.slug == slug))
    return not never


async def is_supporter(session: AsyncSession, *, report_id: str, supporter_hash: str) -> bool:
    found = await session.scalar(
        select(ReportSupporter.report_id).where(
            ReportSupporter.report_id == report_id, ReportSupporter.supporter_hash == supporter_hash
        )
    )
    return found is not None


async def open_reports_in_room(
    session: AsyncSession,
    *,
    code: str,
    category: str | None,
    sort: RoomSort = "newest",
    limit: int = ROOM_REPORTS_LIMIT,
) -> list[Report]:
    """A room's open public reports, of one category if given: newest first (a short range of
    ``ix_reports_room_created``), or the most supported first (a room has few open reports)."""
    query = select(Report).where(
        Report.room_code == code, Report.status.in_(OPEN_STATUSES), publicly_listed()
    )
    if category is not None:
        query = query.where(Report.category == category)
    if sort == "me_too":
        query = query.order_by(Report.me_too.desc(), Report.created_at.desc(), Report.id.desc())
    else:
        query = query.order_by(Report.created_at.desc(), Report.id.desc())
    return list(await session.scalars(query.limit(limit)))

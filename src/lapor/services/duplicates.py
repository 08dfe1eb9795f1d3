"""Merging duplicates and hiding reports, as the API and the staff pages ask for them.

The checks here answer at once, before anything is queued; the worker checks the same rule
again when it applies the command (``worker/merge.py``)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.config import Settings
from lapor.domain.commands import HideReport, MergeReport
from lapor.domain.enums import OPEN_STATUSES, Status
from lapor.domain.merging import REFUSALS, MergeSide, merge_refusal
from lapor.errors import DATABASE_ERRORS, Conflict, NotFound, ValidationFailed
from lapor.services import lookup
from lapor.services.reports import actor_of, send
from lapor.services.views import iso_utc
from lapor.store import queries
from lapor.store.models import Category, Report, User
from lapor.store.places_queries import publicly_listed


async def send_merge(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    user: User,
    report_id: str,
    *,
    into: str,
    note: str | None,
) -> MergeReport:
    """Merge ``report_id`` into ``into`` (staff): 404 for an unknown report, 422 into itself, 409
    for a merge the rule refuses (into a duplicate or a rejected report, a loop, a closed source)."""
    report_id, source = await lookup.find_report(session, redis, report_id)
    try:
        into_id, target = await lookup.find_report(session, redis, into)
    except NotFound:
        raise NotFound("merge.unknown_target") from None
    reason = merge_refusal(_side(report_id, source), _side(into_id, target))
    if reason is not None:
        if REFUSALS[reason] == 422:
            raise ValidationFailed([("merge_into", reason, {})])
        raise Conflict(reason)
    command = MergeReport(report_id=report_id, actor=actor_of(user), into=into_id, note=note)
    await send(redis, command, settings)
    return command


def _side(report_id: str, report: Report | None) -> MergeSide:
    """A report for the rule; one not stored yet (queued, or the database out) counts as queued:
    a merge waits until both reports are stored."""
    if report is None:
        return MergeSide(id=report_id, status=Status.QUEUED)
    return MergeSide(id=report.id, status=Status(report.status), duplicate_of=report.duplicate_of)


async def send_hide(
    session: AsyncSession, redis: Redis, settings: Settings, user: User, report_id: str, *, hidden: bool
) -> HideReport:
    """Hide a report from every public view, or show it again (staff); 404 unless it exists."""
    report_id = await lookup.require_report(session, redis, report_id)
    command = HideReport(report_id=report_id, actor=actor_of(user), hidden=hidden)
    await send(redis, command, settings)
    return command


async def merge_candidates(session: AsyncSession, report: Report, *, limit: int = 20) -> list[Report]:
    """The other open reports of the same room and category, newest first: what staff may merge
    this one into. None for a report without a room, or one that is closed."""
    if report.room_code is None or report.status not in {s.value for s in OPEN_STATUSES}:
        return []
    rows = await session.scalars(
        select(Report)
        .where(
            Report.room_code == report.room_code,
            Report.category == report.category,
            Report.status.in_([s.value for s in OPEN_STATUSES]),
            Report.id != report.id,
        )
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return list(rows)


async def merged_into(session: AsyncSession, report_id: str) -> list[Report]:
    """The reports merged into this one, oldest first."""
    rows = await session.scalars(
        select(Report).where(Report.duplicate_of == report_id).order_by(Report.created_at, Report.id)
    )
    return list(rows)


async def publicly_listed_ids(session: AsyncSession, ids: set[str]) -> set[str]:
    """Which of ``ids`` a public view may show."""
    if not ids:
        return set()
    return set(await session.scalars(select(Report.id).where(Report.id.in_(ids), publicly_listed())))


async def staff_panel(session: AsyncSession, report_id: str) -> dict[str, Any]:
    """What the staff report page shows about duplicates: the merge candidates (other open
    reports of the same room and category), the report this one was merged into, the reports
    merged into it, and whether the public sees it."""
    try:
        report = await queries.get_report(session, report_id=report_id)
    except DATABASE_ERRORS:
        return {"stored": False}  # the page still shows what it can; merging waits for the database
    if report is None:  # still queued: nothing to merge yet
        return {"stored": False}
    kept = await queries.get_report(session, report_id=report.duplicate_of) if report.duplicate_of else None
    never_public = await session.scalar(select(Category.never_public).where(Category.slug == report.category))

    def brief(row: Report) -> dict[str, Any]:
        return {
            "id": row.id,
            "title": row.title,
            "status": row.status,
            "me_too": row.me_too,
            "created_iso": iso_utc(row.created_at),
            "created_text": row.created_at.strftime("%Y-%m-%d %H:%M"),
        }

    return {
        "stored": True,
        "has_room": report.room_code is not None,
        "open": report.status in {s.value for s in OPEN_STATUSES},
        "candidates": [brief(row) for row in await merge_candidates(session, report)],
        "merged_into": brief(kept) if kept is not None else None,
        "merged_here": [brief(row) for row in await merged_into(session, report.id)],
        "hidden": report.hidden,
        "never_public": bool(never_public),
        "me_too": report.me_too,
    }

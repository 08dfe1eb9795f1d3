"""Finding a report wherever it is: persisted in the database, or still queued in Redis."""

from __future__ import annotations

import json
import uuid
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.api.errors import DATABASE_ERRORS, NotFound
from lapor.api.views import public_report
from lapor.broker import keys
from lapor.store import queries
from lapor.store.models import Report


def check_report_id(report_id: str) -> str:
    """Report ids are UUIDs; anything else cannot name a report."""
    try:
        return str(uuid.UUID(report_id))
    except ValueError as exc:
        raise NotFound("error.report_not_found") from exc


async def report_view(
    session: AsyncSession, redis: Redis, report_id: str, *, language: str, staff: bool
) -> dict[str, Any]:
    """The report's view; ``queued`` until a worker has it, 404 only if it was never accepted."""
    report_id = check_report_id(report_id)
    try:
        report = await queries.get_report(session, report_id=report_id)
    except DATABASE_ERRORS:
        # While the database is out, a queued report can still be shown from Redis.
        queued = await redis.get(keys.queued_view(report_id))
        if queued is None:
            raise
        view: dict[str, Any] = json.loads(queued)
        return view
    if report is None:
        queued = await redis.get(keys.queued_view(report_id))
        if queued is not None:
            view = json.loads(queued)
            return view
        # The worker may have committed (and dropped the queued view) between the two reads. End
        # the read transaction first: on SQLite it holds the snapshot taken before that commit.
        await session.rollback()
        report = await queries.get_report(session, report_id=report_id)
        if report is None:
            raise NotFound("error.report_not_found")
    return await persisted_view(session, report, language=language, staff=staff)


async def persisted_view(
    session: AsyncSession, report: Report, *, language: str, staff: bool
) -> dict[str, Any]:
    timeline = await queries.get_timeline(session, report_id=report.id)
    names = await queries.display_names(
        session, user_ids={report.assignee_id} if report.assignee_id else set()
    )
    return public_report(
        report,
        assignee=names.get(report.assignee_id) if report.assignee_id else None,
        timeline=timeline,
        language=language,
        staff=staff,
    )


async def require_report(session: AsyncSession, redis: Redis, report_id: str) -> str:
    """404 unless the report exists, persisted or queued; returns the canonical id."""
    report_id, _stored = await find_report(session, redis, report_id)
    return report_id


async def find_report(session: AsyncSession, redis: Redis, report_id: str) -> tuple[str, Report | None]:
    """The canonical id and the stored report: None while it is queued, or while the database
    cannot be reached (the worker checks when it applies a command); 404 if never accepted."""
    report_id = check_report_id(report_id)
    try:
        report = await queries.get_report(session, report_id=report_id)
    except DATABASE_ERRORS:
        # Accept the change anyway: the worker checks the report exists when it applies it
        # (and dead-letters the command if it never does), so staff keep working in an outage.
        return report_id, None
    if report is not None:
        return report_id, report
    if await redis.exists(keys.queued_view(report_id)):
        return report_id, None
    await session.rollback()  # a fresh snapshot: the worker may have committed it meanwhile
    report = await queries.get_report(session, report_id=report_id)
    if report is not None:
        return report_id, report
    raise NotFound("error.report_not_found")

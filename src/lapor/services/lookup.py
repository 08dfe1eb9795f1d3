"""Finding a report wherever it is: persisted in the database, or still queued in Redis."""

from __future__ import annotations

import hmac
import json
import uuid
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.broker import keys
from lapor.domain.events import Visibility
from lapor.errors import DATABASE_ERRORS, NotFound
from lapor.services import following
from lapor.services.intake import hash_tracking_token
from lapor.services.views import project_view, public_report
from lapor.store import places_queries, queries
from lapor.store.models import Report


def check_report_id(report_id: str) -> str:
    """Report ids are UUIDs; anything else cannot name a report."""
    try:
        return str(uuid.UUID(report_id))
    except ValueError as exc:
        raise NotFound("error.report_not_found") from exc


def token_matches(token_hash: str | None, token: str | None) -> bool:
    """Whether ``token`` is the tracking token whose hash is ``token_hash``."""
    if not token or not token_hash:
        return False
    return hmac.compare_digest(token_hash, hash_tracking_token(token))


def audience_of(token_hash: str | None, *, staff: bool, token: str | None) -> Visibility:
    """Staff see everything; the holder of the report's tracking token is its reporter; anyone
    else (a wrong token included) is the public."""
    if staff:
        return "staff"
    return "reporter" if token_matches(token_hash, token) else "public"


async def report_view(
    session: AsyncSession,
    redis: Redis,
    report_id: str,
    *,
    language: str,
    staff: bool,
    token: str | None = None,
) -> dict[str, Any]:
    """The report's view for the caller (staff, its reporter by ``token``, or the public);
    ``queued`` until a worker has it, 404 only if it was never accepted."""
    report_id = check_report_id(report_id)
    try:
        report = await queries.get_report(session, report_id=report_id)
    except DATABASE_ERRORS:
        # While the database is out, a queued report can still be shown from Redis.
        queued = await _queued_view(redis, report_id, staff=staff, token=token)
        if queued is None:
            raise
        return queued
    if report is None:
        queued = await _queued_view(redis, report_id, staff=staff, token=token)
        if queued is not None:
            if (
                "description" not in queued
                and not staff
                and await following.never_public(session, queued["category"])
            ):
                raise following.NotPublic("error.report_not_found")  # a queued report of a private category
            return queued
        # The worker may have committed (and dropped the queued view) between the two reads. End
        # the read transaction first: on SQLite it holds the snapshot taken before that commit.
        await session.rollback()
        report = await queries.get_report(session, report_id=report_id)
        if report is None:
            raise NotFound("error.report_not_found")
    audience = audience_of(report.tracking_token_hash, staff=staff, token=token)
    if audience == "public" and not await following.is_public(session, report):
        # Hidden, or of a category that is never public: its reporter and staff only.
        raise following.NotPublic("error.report_not_found")
    view = await persisted_view(session, report, language=language, audience=audience)
    if report.duplicate_of is not None:
        # A merged duplicate's followers follow the kept report: its public view and steps.
        view["kept"] = await following.kept_view(session, report.duplicate_of)
    return view


async def _queued_view(
    redis: Redis, report_id: str, *, staff: bool, token: str | None
) -> dict[str, Any] | None:
    queued = await redis.get(keys.queued_view(report_id))
    if queued is None:
        return None
    view: dict[str, Any] = json.loads(queued)
    audience = audience_of(view.get("tracking_token_hash"), staff=staff, token=token)
    return project_view(view, audience)


async def report_audience(
    session: AsyncSession, redis: Redis, report_id: str, *, staff: bool, token: str | None
) -> tuple[str, Visibility]:
    """The canonical id of a report and who the caller is to it; 404 if it was never accepted.

    While the database is out, a stored report's token cannot be checked: its reporter hears
    only what the public hears until it is back."""
    report_id, report = await find_report(session, redis, report_id)
    if staff:
        return report_id, "staff"
    if report is not None:
        audience = audience_of(report.tracking_token_hash, staff=False, token=token)
        if audience == "public" and not await following.is_public(session, report):
            raise following.NotPublic("error.report_not_found")
        return report_id, audience
    queued = await redis.get(keys.queued_view(report_id))
    token_hash = json.loads(queued).get("tracking_token_hash") if queued is not None else None
    return report_id, audience_of(token_hash, staff=False, token=token)


async def persisted_view(
    session: AsyncSession,
    report: Report,
    *,
    language: str,
    staff: bool = False,
    audience: Visibility | None = None,
) -> dict[str, Any]:
    """A stored report's view for ``audience`` (default: staff if ``staff``, else the public)."""
    audience = audience or ("staff" if staff else "public")
    # The timeline is the reporter's and staff's only: the public view does not read it.
    timeline = await queries.get_timeline(session, report_id=report.id) if audience != "public" else None
    names = await queries.display_names(
        session, user_ids={report.assignee_id} if report.assignee_id and audience == "staff" else set()
    )
    rooms = await places_queries.room_refs(session, codes={report.room_code} if report.room_code else set())
    return public_report(
        report,
        assignee=names.get(report.assignee_id) if report.assignee_id else None,
        timeline=timeline,
        language=language,
        audience=audience,
        room=rooms.get(report.room_code) if report.room_code else None,
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

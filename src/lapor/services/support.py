""" "Me too": a student with the same problem says so instead of sending a duplicate, and may follow
the report (Web Push for its public changes). The API checks and sends commands; workers count."""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.broker import keys
from lapor.broker.intake_script import BacklogFull, DurabilityError, RateLimit, RateLimited
from lapor.broker.support_script import submit_support, was_accepted
from lapor.config import Settings
from lapor.domain.commands import PushKeys, SubscribeSupporterPush, SupportReport
from lapor.domain.enums import CLOSED_STATUSES, Status
from lapor.domain.supporters import supporter_hash
from lapor.errors import (
    DATABASE_ERRORS,
    Forbidden,
    NotFound,
    ReportClosed,
    ServiceUnavailable,
    TooManyRequests,
)
from lapor.services import lookup
from lapor.services.intake import BACKLOG_RETRY_SECONDS, BROKER_RETRY_SECONDS, address_scope
from lapor.services.reports import send
from lapor.services.views import public_report
from lapor.store import places_queries, support_queries
from lapor.store.models import Report

log = logging.getLogger("lapor.api")


async def _supportable(session: AsyncSession, redis: Redis, report_id: str) -> tuple[str, Report | None]:
    """The canonical id and the stored report (None while queued or the database is out), if a
    "me too" may be said on it: 404 for an unknown, hidden or private report alike (the same answer,
    so it tells nothing), 409 for a closed one."""
    report_id, report = await lookup.find_report(session, redis, report_id)
    try:
        if report is not None:
            if not await support_queries.is_publicly_listed(session, report_id=report_id):
                raise NotFound("error.report_not_found")
            status = Status(report.status)
            if status in CLOSED_STATUSES:
                raise ReportClosed(status.value, report.duplicate_of)
            return report_id, report
        queued = await redis.get(keys.queued_view(report_id))
        category = json.loads(queued).get("category") if queued is not None else None
        if category and not await support_queries.category_is_public(session, slug=category):
            raise NotFound("error.report_not_found")
    except DATABASE_ERRORS:
        pass  # the database is out: the worker checks everything again when it applies the command
    return report_id, None


async def me_too(
    *,
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    report_id: str,
    supporter: str,
    client_host: str | None,
) -> dict[str, Any]:
    """Send the supporter's "me too" (by their id's hash) under the intake's per-address limit."""
    report_id, report = await _supportable(session, redis, report_id)
    command = SupportReport(report_id=report_id, supporter_hash=supporter_hash(supporter))
    rate_limit = RateLimit(
        scope=address_scope(client_host),
        limit=settings.intake_rate_limit,
        window_seconds=settings.intake_rate_window_seconds,
    )
    try:
        await submit_support(
            redis,
            command,
            rate_limit=rate_limit,
            max_backlog=settings.intake_max_backlog,
            wait_aof=settings.redis_wait_aof,
        )
    except RateLimited as exc:
        raise TooManyRequests("support.rate_limited", seconds=exc.retry_after) from exc
    except BacklogFull as exc:
        raise ServiceUnavailable("error.intake_backlog_full", seconds=BACKLOG_RETRY_SECONDS) from exc
    except DurabilityError as exc:
        # In the stream, not confirmed on disk: a retry is harmless (a supporter counts once).
        raise ServiceUnavailable("error.durability_unconfirmed", seconds=BROKER_RETRY_SECONDS) from exc
    except (RedisError, OSError) as exc:
        raise ServiceUnavailable("error.broker_unavailable", seconds=BROKER_RETRY_SECONDS) from exc
    return {
        "report_id": report_id,
        "command_id": command.command_id,
        # The count before this "me too" is applied; the report's ``me_too`` event brings the new one.
        "me_too": report.me_too if report is not None else 0,
    }


async def subscribe_supporter(
    *,
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    report_id: str,
    supporter: str,
    endpoint: str,
    keys_: PushKeys,
    language: str,
) -> dict[str, str]:
    """A supporter's push subscription (audience ``public``): 404 as for "me too", 403 unless
    their "me too" on this report was accepted (stored, or in the stream)."""
    report_id, report = await lookup.find_report(session, redis, report_id)
    hashed = supporter_hash(supporter)
    supported = await was_accepted(redis, report_id, hashed)
    try:
        if report is not None and not await support_queries.is_publicly_listed(session, report_id=report_id):
            raise NotFound("error.report_not_found")
        if not supported and report is not None:
            supported = await support_queries.is_supporter(
                session, report_id=report_id, supporter_hash=hashed
            )
    except DATABASE_ERRORS:
        pass
    if not supported:
        raise Forbidden("support.not_supporter")
    command = SubscribeSupporterPush(
        report_id=report_id, supporter_hash=hashed, endpoint=endpoint, keys=keys_, language=language
    )
    return await send(redis, command, settings)


async def room_reports(
    *,
    session: AsyncSession,
    code: str,
    category: str | None,
    sort: support_queries.RoomSort,
    limit: int,
    language: str,
) -> list[dict[str, Any]]:
    """A room's open public reports (public fields, ``me_too`` among them)."""
    rows = await support_queries.open_reports_in_room(
        session, code=code, category=category, sort=sort, limit=limit
    )
    rooms = await places_queries.room_refs(session, codes={code} if rows else set())
    return [
        public_report(row, assignee=None, timeline=None, language=language, room=rooms.get(code))
        for row in rows
    ]

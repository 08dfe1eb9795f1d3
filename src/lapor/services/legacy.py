"""The original project's API: its old ids, its report shapes, its one staff action.

Its admin page writes ``lokasi``, ``deskripsi`` and ``pelapor.nama`` into the page as HTML, so the
staff list escapes every text field (``all_reports``); its times are the campus's local clock.
"""

from __future__ import annotations

import html
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.config import Settings
from lapor.domain.commands import UpdateReport
from lapor.domain.enums import Priority, Status
from lapor.domain.legacy import PRIORITY_SEED, plan_seed_change, seed_status
from lapor.domain.legacy_records import LEGACY_ID
from lapor.errors import Conflict, NotFound
from lapor.media import store
from lapor.services import lookup
from lapor.services.reports import actor_of, send
from lapor.services.views import as_time, iso_utc, photo_urls
from lapor.store import legacy_queries, queries
from lapor.store.models import Report, User

SEED_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def local_time(at: datetime | str, zone: ZoneInfo) -> str:
    """A time as the original wrote it: ``YYYY-MM-DD HH:MM:SS`` on the campus's clock."""
    return as_time(at).astimezone(zone).strftime(SEED_TIME_FORMAT)


async def resolve_id(session: AsyncSession, report_id: str) -> str:
    """A report's id from one of ours or from an old id of the original project (imported)."""
    try:
        return str(uuid.UUID(report_id))
    except ValueError:
        pass
    if not LEGACY_ID.fullmatch(report_id):
        raise NotFound("error.report_not_found")
    found = await legacy_queries.report_id_of_alias(session, legacy_id=report_id)
    if found is None:
        raise NotFound("error.report_not_found")
    return found


async def kept_status(session: AsyncSession, view: dict[str, Any]) -> Status | None:
    """The status of the report a duplicate was merged into (None for any other report)."""
    kept = view.get("duplicate_of")
    if view.get("status") != Status.DUPLICATE.value or not kept:
        return None
    found = await legacy_queries.statuses(session, report_ids={kept})
    return Status(found[kept]) if kept in found else None


def seed_view(view: dict[str, Any], *, kept: Status | None = None) -> dict[str, Any]:
    """A report's view (any audience) in the seed's shape. The public view has no description:
    ``deskripsi`` then carries the report's public short title, so the seed's pages still work."""
    return {
        "id_laporan": view["id"],
        "lokasi": view["location"],
        "deskripsi": view["description"] if "description" in view else view["title"],
        "prioritas": PRIORITY_SEED.get(Priority(view["priority"]), "Biasa"),
        "status": seed_status(Status(view["status"]), kept_status=kept),
        "foto": view.get("photo_url"),
        "waktu": view["created_at"],
    }


async def all_reports(
    session: AsyncSession, settings: Settings, *, limit: int = 1000
) -> list[dict[str, Any]]:
    """Every report (newest first, at most ``limit``) as the original's admin page reads them,
    beside the fields documented before (``id_laporan``, ``waktu``, ``nama``); text escaped."""
    rows, _ = await queries.list_reports(session, filters=queries.ReportFilters(), limit=limit)
    kept_ids = {row.duplicate_of for row in rows if row.status == Status.DUPLICATE.value and row.duplicate_of}
    kept = await legacy_queries.statuses(session, report_ids=kept_ids)
    zone = settings.campus_zone
    return [_admin_row(row, zone, kept) for row in rows]


def _admin_row(row: Report, zone: ZoneInfo, kept: dict[str, str]) -> dict[str, Any]:
    kept_status = Status(kept[row.duplicate_of]) if row.duplicate_of in kept else None
    name = html.escape(row.reporter_name)
    return {
        "id": row.id,
        "waktu_lapor": local_time(row.created_at, zone),
        "pelapor": {"nama": name},
        "lokasi": html.escape(row.location),
        "prioritas": PRIORITY_SEED.get(Priority(row.priority), "Biasa"),
        "deskripsi": html.escape(row.description),
        "foto": store.display_path_name(row.photo) if row.photo else None,
        "status": seed_status(Status(row.status), kept_status=kept_status),
        # The fields documented before the admin page was read closely.
        "id_laporan": row.id,
        "waktu": iso_utc(row.created_at),
        "nama": name,
        "foto_url": photo_urls(row.photo)[0],
    }


async def set_status(
    session: AsyncSession, redis: Redis, settings: Settings, user: User, report_id: str, wanted: str
) -> UpdateReport | None:
    """The admin page's action: one command (both moves for "Selesai" on a pending report), None
    when nothing is to change (already so), 409 for a report closed for good."""
    report_id = await resolve_id(session, report_id)
    report_id, stored = await lookup.find_report(session, redis, report_id)
    change = plan_seed_change(Status(stored.status) if stored is not None else None, wanted)
    if change.refusal is not None:
        raise Conflict(change.refusal)
    if change.nothing or change.status is None:
        return None
    command = UpdateReport(
        report_id=report_id, actor=actor_of(user), status=change.status, status_via=change.via
    )
    await send(redis, command, settings)
    return command

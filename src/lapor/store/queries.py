"""Reads for the API. Keyword-only, one query each; nothing here writes reports."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Select, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.domain.enums import Priority, Status
from lapor.store.models import Category, ProcessedCommand, Report, StatusCount, TimelineEntry, User
from lapor.store.places_queries import publicly_listed

SortOrder = Literal["newest", "oldest", "priority", "me_too"]
# Sorts that walk their key downwards (the newest, the most supported first).
_DESCENDING: frozenset[str] = frozenset({"newest", "me_too"})


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ReportFilters:
    status: list[Status] | None = None
    priority: list[Priority] | None = None
    category: str | None = None
    q: str | None = None
    assignee_id: int | None = None
    building: str | None = None
    room: str | None = None
    public_only: bool = False  # a public list: no hidden report, none of a never_public category


async def get_report(session: AsyncSession, *, report_id: str) -> Report | None:
    return await session.get(Report, report_id)


async def get_timeline(session: AsyncSession, *, report_id: str) -> list[TimelineEntry]:
    rows = await session.scalars(
        select(TimelineEntry).where(TimelineEntry.report_id == report_id).order_by(TimelineEntry.id)
    )
    return list(rows)


async def list_reports(
    session: AsyncSession,
    *,
    filters: ReportFilters,
    sort: SortOrder = "newest",
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[Report], str | None]:
    """One page of reports and the cursor of the next page (keyset: stable under inserts)."""
    dialect = session.get_bind().dialect.name
    use_fts = bool(
        filters.q and dialect == "sqlite" and len(filters.q) >= 3 and await _is_rare(session, filters.q)
    )
    query = _filtered(select(Report), filters, use_fts=use_fts)
    key: tuple[Any, ...]
    if sort == "priority":
        key = (Report.priority_rank, Report.created_at, Report.id)
        query = query.order_by(*(column.asc() for column in key))
    elif sort == "me_too":
        # The most supported first, then the newest: ``ix_reports_me_too_created`` read backwards.
        key = (Report.me_too, Report.created_at, Report.id)
        query = query.order_by(*(column.desc() for column in key))
    elif sort == "oldest":
        key = (Report.created_at, Report.id)
        query = query.order_by(*(column.asc() for column in key))
    else:
        key = (Report.created_at, Report.id)
        query = query.order_by(*(column.desc() for column in key))
    if cursor:
        values = decode_cursor(cursor, sort)
        after = tuple_(*key) < tuple_(*values) if sort in _DESCENDING else tuple_(*key) > tuple_(*values)
        query = query.where(after)
    rows: list[Report] = list(await session.scalars(query.limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1], sort)


_RARE = 2000


def _fts_phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


async def _is_rare(session: AsyncSession, q: str) -> bool:
    """Whether few reports contain ``q``: then the trigram index is the fast way to find them.

    A common word is found faster the other way round, walking the reports in page order and
    stopping at the first page full of matches.
    """
    count = await session.scalar(
        text("SELECT count(*) FROM (SELECT 1 FROM reports_fts WHERE reports_fts MATCH :phrase LIMIT :limit)"),
        {"phrase": _fts_phrase(q), "limit": _RARE + 1},
    )
    return int(count or 0) <= _RARE


def _filtered(
    query: Select[tuple[Report]], filters: ReportFilters, *, use_fts: bool
) -> Select[tuple[Report]]:
    if filters.status:
        query = query.where(Report.status.in_([s.value for s in filters.status]))
    if filters.priority:
        query = query.where(Report.priority_rank.in_([p.rank for p in filters.priority]))
    if filters.category:
        query = query.where(Report.category == filters.category)
    if filters.assignee_id is not None:
        query = query.where(Report.assignee_id == filters.assignee_id)
    if filters.building:
        query = query.where(Report.building_code == filters.building)
    if filters.room:
        query = query.where(Report.room_code == filters.room)
    if filters.public_only:
        query = query.where(publicly_listed())
    if filters.q and use_fts:
        # The trigram index finds any substring of three characters or more, in any case.
        matching = text("SELECT report_id FROM reports_fts WHERE reports_fts MATCH :phrase").bindparams(
            phrase=_fts_phrase(filters.q)
        )
        query = query.where(Report.id.in_(matching.columns(report_id=Report.id.type)))
    elif filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Report.title.ilike(pattern, escape="\\"),
                Report.description.ilike(pattern, escape="\\"),
                Report.location.ilike(pattern, escape="\\"),
            )
        )
    return query


def encode_cursor(report: Report, sort: SortOrder) -> str:
    values: list[object] = [report.created_at.isoformat(), report.id]
    if sort == "priority":
        values.insert(0, report.priority_rank)
    elif sort == "me_too":
        values.insert(0, report.me_too)
    raw = json.dumps([sort, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: SortOrder) -> tuple[object, ...]:
    """The key of the last row of the previous page. A cursor comes from the client, so every value
    is checked to be what ``encode_cursor`` writes: anything else is ``InvalidCursor``, never a value
    the database chokes on (a rank past 64 bits, a NUL, a time that overflows in UTC)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, *values = json.loads(raw)
        if kind != sort:
            raise InvalidCursor("cursor belongs to another sort order")
        if sort == "priority":
            rank, at, report_id = values
            if not isinstance(rank, int) or not 0 <= rank <= _MAX_RANK:
                raise InvalidCursor("bad priority rank")
            return (rank, _cursor_time(at), _cursor_id(report_id))
        if sort == "me_too":
            count, at, report_id = values
            if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= _MAX_COUNT:
                raise InvalidCursor("bad me_too count")
            return (count, _cursor_time(at), _cursor_id(report_id))
        at, report_id = values
        return (_cursor_time(at), _cursor_id(report_id))
    except (binascii.Error, ValueError, TypeError, OverflowError) as exc:  # UnicodeDecodeError included
        raise InvalidCursor(str(exc)) from exc


_MAX_RANK = max(p.rank for p in Priority)
_MAX_COUNT = 2**31 - 1  # ``reports.me_too`` is an INTEGER


def _cursor_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidCursor("bad time")
    at = datetime.fromisoformat(value)
    # A far-off time with an offset can overflow when the driver converts it to UTC.
    return at.astimezone(UTC) if at.tzinfo is not None else at


def _cursor_id(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > 64 or "\x00" in value:
        raise InvalidCursor("bad report id")
    return value


async def list_categories(session: AsyncSession, *, active_only: bool = True) -> list[Category]:
    query = select(Category).order_by(Category.position, Category.slug)
    if active_only:
        query = query.where(Category.active.is_(True))
    return list(await session.scalars(query))


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_username(session: AsyncSession, *, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def list_staff(session: AsyncSession) -> list[User]:
    """Active staff who can work on reports, for the assignment list (a viewer changes nothing)."""
    query = select(User).where(User.active.is_(True), User.role != "viewer").order_by(User.display_name)
    return list(await session.scalars(query))


async def display_names(session: AsyncSession, *, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows.all()}


async def status_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(StatusCount.status, StatusCount.count))
    return {status: count for status, count in rows.all()}


async def processed_command(session: AsyncSession, *, command_id: str) -> ProcessedCommand | None:
    """What a worker recorded when it applied this command (its events, a refusal among them); None
    while no worker has applied it yet."""
    return await session.get(ProcessedCommand, command_id)

"""Reads of the places registry and of a room's reports. Keyword-only, one query each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.domain.enums import Status
from lapor.domain.places import RoomRef
from lapor.store.models import Building, Category, Report, Room

SEARCH_LIMIT = 20


def _refs() -> Any:  # a Select of the seven columns ``_place`` reads
    return select(
        Room.code, Room.name, Room.building_code, Building.name, Room.floor, Room.name_en, Room.retired
    ).join(Building, Building.code == Room.building_code)


def _place(row: Any) -> dict[str, object]:
    code, name, building, building_name, floor, name_en, retired = row
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "building": building,
        "building_name": building_name,
        "floor": floor,
        "retired": retired,
    }


async def all_places(session: AsyncSession) -> list[dict[str, object]]:
    """Every room with its building, retired ones included (the API's cache, the CSV download)."""
    rows = await session.execute(_refs().order_by(Room.building_code, Room.code))
    return [_place(row) for row in rows]


async def get_place(session: AsyncSession, *, code: str) -> dict[str, object] | None:
    row = (await session.execute(_refs().where(Room.code == code))).first()
    return _place(row) if row else None


async def room_refs(session: AsyncSession, *, codes: set[str]) -> dict[str, RoomRef]:
    """The rooms reports name, for their views (one query for a page of reports)."""
    if not codes:
        return {}
    rows = await session.execute(_refs().where(Room.code.in_(codes)))
    return {
        place["code"]: RoomRef.model_validate(place)  # type: ignore[misc]
        for place in (_place(row) for row in rows)
    }


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_places(
    session: AsyncSession, *, q: str, limit: int = SEARCH_LIMIT
) -> list[dict[str, object]]:
    """Rooms in use whose code starts with ``q``, then those with ``q`` anywhere in a code or name.

    The prefix is a range on the primary key; the substring reads ``rooms.search`` (a pg_trgm
    index on PostgreSQL), stopping at ``limit`` matches."""
    upper = q.strip().upper()
    found: list[dict[str, object]] = []
    if upper:
        starts: tuple[ColumnElement[bool], ...]
        if session.get_bind().dialect.name == "sqlite":
            # Codes compare byte-wise on SQLite: a prefix is a range of the primary key.
            starts = (Room.code >= upper, Room.code < upper + "\uffff")
        else:
            # A locale collation orders "-" and "." apart from bytes; the trigram index serves LIKE.
            starts = (Room.code.like(_like(upper) + "%", escape="\\"),)
        prefix = _refs().where(*starts, Room.retired.is_(False))
        rows = await session.execute(prefix.order_by(Room.code).limit(limit))
        found = [_place(row) for row in rows]
    if len(found) < limit:
        pattern = f"%{_like(q.strip().lower())}%"
        seen = [place["code"] for place in found]
        anywhere = _refs().where(Room.search.like(pattern, escape="\\"), Room.retired.is_(False))
        if seen:
            anywhere = anywhere.where(Room.code.not_in(seen))
        rows = await session.execute(anywhere.order_by(Room.code).limit(limit - len(found)))
        found += [_place(row) for row in rows]
    return found


async def building_exists(session: AsyncSession, *, code: str) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(Building).where(Building.code == code)))


async def rooms_of(
    session: AsyncSession, *, building: str | None, codes: list[str] | None
) -> list[dict[str, object]]:
    """Rooms in use of a building, or the named ones (retired ones too: a label can be reprinted)."""
    query = _refs()
    if building is not None:
        query = query.where(Room.building_code == building, Room.retired.is_(False))
    if codes is not None:
        query = query.where(Room.code.in_(codes))
    rows = await session.execute(query.order_by(Room.floor, Room.code))
    return [_place(row) for row in rows]


OPEN_STATUSES = (Status.PENDING.value, Status.IN_PROGRESS.value)
ROOM_PAGE_LIMIT = 50


def publicly_listed() -> ColumnElement[bool]:
    """The reports a public view may show: not hidden by staff, not of a ``never_public`` category.

    Every public list (a room's page, "already reported?") filters with this one condition."""
    private_categories = select(Category.slug).where(Category.never_public.is_(True))
    return and_(Report.hidden.is_(False), Report.category.not_in(private_categories.scalar_subquery()))


async def open_reports_of_room(
    session: AsyncSession, *, code: str, limit: int = ROOM_PAGE_LIMIT
) -> list[Report]:
    """A room's open public reports, newest first: a short range of ``ix_reports_room_created``."""
    query = (
        select(Report)
        .where(Report.room_code == code, Report.status.in_(OPEN_STATUSES), publicly_listed())
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def list_places(session: AsyncSession, *, q: str, limit: int) -> list[dict[str, object]]:
    """Rooms for the places page, retired ones too, by building and code."""
    query = _refs()
    if q.strip():
        query = query.where(Room.search.like(f"%{_like(q.strip().lower())}%", escape="\\"))
    rows = await session.execute(query.order_by(Room.building_code, Room.code).limit(limit))
    return [_place(row) for row in rows]


async def list_buildings(session: AsyncSession) -> list[dict[str, object]]:
    rows = await session.execute(select(Building.code, Building.name).order_by(Building.code))
    return [{"code": code, "name": name} for code, name in rows]

"""Places: the room cache intake checks against, the import through the broker, a room's page."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lapor.broker import keys
from lapor.broker.intake_script import send_command
from lapor.domain.commands import Actor, ImportPlaces
from lapor.domain.places import (
    CSV_COLUMNS,
    InvalidCode,
    PlaceRow,
    RoomRef,
    RowError,
    check_row,
    normalize_code,
)
from lapor.store import places_queries

log = logging.getLogger("lapor.places")

FIRST_LOAD_WAIT_SECONDS = 2.0


class RoomCache:
    """Every room, in each API process: intake checks a room with a dict lookup, and keeps doing
    so while the database is down (BRIEF.md: rooms come from a cache, as categories do).

    At most every ``check_seconds`` a background task reads one Redis counter the worker bumps
    after each places change, and reloads the rooms only when it moved: no Redis round trip on
    the submit path. A code or name the cache does not know makes it check the counter at once
    (a room added a moment ago must not be refused); the database is read only if it moved, so
    neither made-up codes nor a database outage cost a query per request."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], redis: Redis, *, check_seconds: float = 2.0
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._check_seconds = check_seconds
        self._checked_at = float("-inf")
        self._version: str | None = "never loaded"
        self._loaded_once = False
        self._refreshing: asyncio.Task[None] | None = None
        self._places: dict[str, dict[str, Any]] = {}
        self._names: dict[str, str] = {}

    async def place(self, code: str) -> dict[str, Any] | None:
        """The room with this code (retired ones too), or None."""
        await self._fresh()
        key = code.strip().upper()
        if key not in self._places and _is_code(key):
            await self._reload_now()
        return self._places.get(key)

    async def resolve(self, text: str) -> RoomRef | None:
        """A room in use named by its code or by its exact name (any case); None if none is."""
        await self._fresh()
        code = text.strip().upper()
        name = text.strip().casefold()
        if name and code not in self._places and name not in self._names:
            await self._reload_now()
        place = self._places.get(code)
        if place is None and name in self._names:
            place = self._places.get(self._names[name])
        if place is None or place["retired"]:
            return None
        return ref_of(place)

    async def aclose(self) -> None:
        refreshing = self._refreshing
        if refreshing is not None:
            refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refreshing

    async def _fresh(self) -> None:
        if time.monotonic() - self._checked_at <= self._check_seconds:
            return
        self._checked_at = time.monotonic()
        refreshing = self._start_refresh()
        if not self._loaded_once:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(refreshing), timeout=FIRST_LOAD_WAIT_SECONDS)

    async def _reload_now(self) -> None:
        """Check the counter now (one refresh at a time, shared by every caller that missed)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._start_refresh()), timeout=FIRST_LOAD_WAIT_SECONDS)

    def _start_refresh(self) -> asyncio.Task[None]:
        if self._refreshing is None:
            self._refreshing = asyncio.create_task(self._refresh())
        return self._refreshing

    async def _refresh(self) -> None:
        try:
            version = await self._redis.get(keys.PLACES_VERSION)
            version = None if version is None else str(version)
            if version == self._version and self._loaded_once:
                return
            async with self._sessions() as session:
                places = await places_queries.all_places(session)
        except (RedisError, SQLAlchemyError, OSError) as exc:
            log.warning("room list not refreshed (%s); using the cached one", type(exc).__name__)
            return
        finally:
            self._refreshing = None
            self._loaded_once = True
        self._set(places)
        self._version = version

    def _set(self, places: list[dict[str, Any]]) -> None:
        self._places = {str(place["code"]): place for place in places}
        names: dict[str, str] = {}
        clashes: set[str] = set()
        for place in places:
            if place["retired"]:
                continue
            for name in {str(place["name"]).casefold(), str(place["name_en"] or "").casefold()} - {""}:
                if name in names and names[name] != place["code"]:
                    clashes.add(name)  # two rooms share a name: only their codes tell them apart
                names[name] = str(place["code"])
        self._names = {name: code for name, code in names.items() if name not in clashes}


def _is_code(text: str) -> bool:
    try:
        normalize_code(text)
    except InvalidCode:
        return False
    return True


def ref_of(place: dict[str, Any]) -> RoomRef:
    return RoomRef(
        code=place["code"],
        name=place["name"],
        building=place["building"],
        building_name=place["building_name"],
        floor=place["floor"],
    )


def public_place(place: dict[str, Any]) -> dict[str, Any]:
    """A room as the search answers it."""
    return {key: place[key] for key in ("code", "name", "name_en", "building", "building_name", "floor")}


async def search(*, session: AsyncSession, q: str) -> list[dict[str, Any]]:
    """Rooms in use matching ``q`` (prefix first, then substring), at most 20."""
    return [public_place(place) for place in await places_queries.search_places(session, q=q)]


class ImportTimedOut(TimeoutError):
    """No worker answered in time; the command stays on the stream and is applied later."""


async def import_rows(
    *, redis: Redis, rows: list[PlaceRow], actor: Actor, wait_aof: bool, timeout_seconds: float
) -> dict[str, Any]:
    """Send one ``places.import`` command and wait for the worker's result."""
    command = ImportPlaces(actor=actor, rows=rows)
    await send_command(redis, command, wait_aof=wait_aof)
    answer: Any = await redis.blpop([keys.command_result(command.command_id)], timeout=timeout_seconds)
    if answer is None:
        raise ImportTimedOut(command.command_id)
    result: dict[str, Any] = json.loads(answer[1])
    return result


async def room_page(*, session: AsyncSession, redis: Redis, code: str) -> dict[str, Any]:
    """A room's open reports (public fields) and the stream id to follow them from."""
    newest = await redis.xrevrange(keys.EVENTS, count=1)
    reports = await places_queries.open_reports_of_room(session, code=code)
    return {
        "last_event_id": str(newest[0][0]) if newest else "0-0",
        "reports": [
            {
                "id": report.id,
                "title": report.title,
                "category": report.category,
                "status": report.status,
                "created_at": report.created_at,
                "me_too": report.me_too,
            }
            for report in reports
        ],
    }


def ago(since: datetime, now: datetime) -> tuple[str, int]:
    """How long ago, as a catalogue key and a number: "3 jam lalu", "2 days ago"."""
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 1:
        return "room.just_now", 0
    if minutes < 60:
        return "room.ago_minutes", minutes
    if minutes < 48 * 60:
        return "room.ago_hours", minutes // 60
    return "room.ago_days", minutes // (24 * 60)


PAGE_ROOMS = 200


async def places_page(*, session: AsyncSession, q: str) -> dict[str, Any]:
    """The places page: rooms matching ``q`` (all rooms when empty, retired ones included), and
    the buildings to print labels for."""
    return {
        "rooms": await places_queries.list_places(session, q=q, limit=PAGE_ROOMS),
        "buildings": await places_queries.list_buildings(session),
    }


def row_from_form(fields: dict[str, str]) -> PlaceRow | str:
    """A room from the places page's form, or why it is not one."""
    checked = check_row({key: fields.get(key, "") for key in CSV_COLUMNS}, 1)
    return checked.reason if isinstance(checked, RowError) else checked

"""Applying a places import: every row checked again, then rooms and buildings upserted by code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lapor.domain.commands import ImportPlaces
from lapor.domain.places import PlaceRow, RowError, check_row
from lapor.store.models import Building, Room
from lapor.worker.accounts import record_audit


def search_text(*parts: str | None) -> str:
    """What the room search matches a substring in: codes and names, lower case."""
    return " ".join(part for part in parts if part).lower()[:400]


def import_places(session: Session, command: ImportPlaces) -> dict[str, Any]:
    """Upsert the rows, all or none: a bad row (a sender that skipped the checks) writes nothing."""
    errors = _recheck(command.rows)
    if errors:
        return {"ok": False, "errors": [error.model_dump() for error in errors]}
    buildings = _upsert_buildings(session, command.rows)
    session.flush()  # buildings before the rooms that refer to them
    known = {room.code: room for chunk in _chunks(_codes(command.rows)) for room in _rooms(session, chunk)}
    added = updated = 0
    for row in command.rows:
        building = buildings[row.building]
        room = known.get(row.code)
        if room is None:
            room = Room(code=row.code, retired=bool(row.retired))
            session.add(room)
            added += 1
        else:
            updated += 1
            if row.retired is not None:
                room.retired = row.retired
        room.building_code = row.building
        room.floor = row.floor
        room.name = row.name
        room.name_en = row.name_en
        room.search = search_text(row.code, row.name, row.name_en, building.code, building.name)
    outcome = {"added": added, "updated": updated, "buildings": len(buildings)}
    codes = _codes(command.rows)
    # One row for the whole import: what it did and the first rooms it named (a campus file holds
    # thousands; the file itself is the record of the rest).
    after = {**outcome, "rooms": codes[:_AUDITED_CODES], "more_rooms": max(0, len(codes) - _AUDITED_CODES)}
    target = codes[0] if len(codes) == 1 else f"{len(codes)} rooms"
    record_audit(session, command.command_id, command.actor, "places.import", ("places", target), None, after)
    return {"ok": True, **outcome}


_AUDITED_CODES = 20


def _codes(rows: list[PlaceRow]) -> list[str]:
    return [row.code for row in rows]


# Bound parameters per statement stay well under SQLite's and asyncpg's limits (32,766 / 32,767).
_CHUNK = 5000


def _chunks(codes: list[str]) -> list[list[str]]:
    return [codes[start : start + _CHUNK] for start in range(0, len(codes), _CHUNK)]


def _rooms(session: Session, codes: list[str]) -> list[Room]:
    return list(session.scalars(select(Room).where(Room.code.in_(codes))))


def _recheck(rows: list[PlaceRow]) -> list[RowError]:
    errors: list[RowError] = []
    for index, row in enumerate(rows, start=2):
        fields = {key: "" if value is None else str(value) for key, value in row.model_dump().items()}
        fields["retired"] = "" if row.retired is None else ("yes" if row.retired else "no")
        checked = check_row(fields, index)
        if isinstance(checked, RowError):
            errors.append(checked)
    return errors


def _upsert_buildings(session: Session, rows: list[PlaceRow]) -> dict[str, Building]:
    """The buildings the rows name: a new one takes ``building_name`` (or its code as its name)."""
    wanted = {row.building for row in rows}
    found = {b.code: b for b in session.scalars(select(Building).where(Building.code.in_(wanted)))}
    for row in rows:
        building = found.get(row.building)
        if building is None:
            building = Building(code=row.building, name=row.building_name or row.building, campus=row.campus)
            session.add(building)
            found[row.building] = building
            continue
        renamed = row.building_name is not None and building.name != row.building_name
        if renamed:
            building.name = row.building_name or building.name
            _refresh_search(session, building)
        if row.campus is not None:
            building.campus = row.campus
    return found


def _refresh_search(session: Session, building: Building) -> None:
    """A renamed building: the search text of its rooms names it anew."""
    for room in session.scalars(select(Room).where(Room.building_code == building.code)):
        room.search = search_text(room.code, room.name, room.name_en, building.code, building.name)

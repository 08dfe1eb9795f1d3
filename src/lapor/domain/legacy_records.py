"""Reading the original project's ``database_laporan.json`` (pure: text in, records out).

The file is one JSON list of records. Each record's problems are reported with the line its
``{`` starts on, so an operator can open the file there; a file that is not a JSON list at all
is one problem and nothing is read from it. The original accepted any text of any length
("Gatau" is a real description): only what our columns cannot hold is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from lapor.domain.enums import Priority, Status
from lapor.domain.legacy import IMPORTED_STATUS, SEED_PRIORITY

LEGACY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
_CTIME_FORMAT = "%a %b %d %H:%M:%S %Y"  # the original worker's waktu_diproses: time.ctime()
MAX_NAME, MAX_LOCATION, MAX_DESCRIPTION, MAX_PHOTO_NAME = 120, 200, 4000, 255


class SeedFileError(ValueError):
    """The file cannot be read as a JSON list: nothing is imported."""


@dataclass(frozen=True, slots=True)
class SeedRecord:
    line: int
    legacy_id: str
    reporter_name: str
    location: str
    description: str
    priority: Priority
    status: Status
    created_at: datetime  # UTC
    processed_at: datetime | None
    updated_at: datetime | None
    photo: str | None
    source: dict[str, Any]


@dataclass
class SeedFile:
    records: list[SeedRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line N: why", one per refused record
    warnings: list[str] = field(default_factory=list)  # "line N: what was left out"


def records_with_lines(text: str) -> list[tuple[int, Any]]:
    """The items of a JSON list, each with the line it starts on."""
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if not text.startswith("[", position):
        raise SeedFileError(f"line {_line(text, position)}: the file is not a JSON list ([ … ])")
    position = _skip(text, position + 1)
    items: list[tuple[int, Any]] = []
    if text.startswith("]", position):
        return items
    while True:
        try:
            item, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise SeedFileError(f"line {exc.lineno}: not valid JSON ({exc.msg})") from exc
        except (ValueError, RecursionError) as exc:  # a number too long, nesting too deep
            raise SeedFileError(
                f"line {_line(text, position)}: a record that cannot be read ({exc})"
            ) from exc
        items.append((_line(text, position), item))
        position = _skip(text, end)
        if text.startswith(",", position):
            position = _skip(text, position + 1)
        elif text.startswith("]", position):
            break
        else:
            raise SeedFileError(f"line {_line(text, position)}: expected , or ] between records")
    if _skip(text, position + 1) != len(text):
        raise SeedFileError(f"line {_line(text, position + 1)}: text after the end of the list")
    return items


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def read_seed_file(text: str, zone: ZoneInfo) -> SeedFile:
    """Every record that can be imported, and a line-numbered reason for each that cannot."""
    result = SeedFile()
    seen: dict[str, int] = {}
    for line, item in records_with_lines(text):
        try:
            record = _record(line, item, zone, result.warnings)
        except ValueError as exc:
            result.problems.append(f"line {line}: {exc}; not imported")
            continue
        if record.legacy_id in seen:
            result.problems.append(
                f"line {line}: id {record.legacy_id!r} already appears on line {seen[record.legacy_id]}; "
                "not imported"
            )
            continue
        seen[record.legacy_id] = line
        result.records.append(record)
    return result


def _record(line: int, item: Any, zone: ZoneInfo, warnings: list[str]) -> SeedRecord:
    if not isinstance(item, dict):
        raise ValueError("not a record (an object with id, waktu_lapor, pelapor, …)")
    legacy_id = item.get("id")
    if not isinstance(legacy_id, str) or not LEGACY_ID.fullmatch(legacy_id):
        raise ValueError("id is missing or not a short id (letters, digits, - and _, at most 64)")
    pelapor = item.get("pelapor")
    name = pelapor.get("nama") if isinstance(pelapor, dict) else None
    reporter_name = _text(name, "pelapor.nama", MAX_NAME, required=True)
    location = _text(item.get("lokasi"), "lokasi", MAX_LOCATION, required=False) or "-"
    description = _text(item.get("deskripsi"), "deskripsi", MAX_DESCRIPTION, required=True)
    priority_name = item.get("prioritas") or "Biasa"  # the original's default
    if priority_name not in SEED_PRIORITY:
        raise ValueError(f"prioritas {priority_name!r} is none of {', '.join(SEED_PRIORITY)}")
    status_name = item.get("status")
    if status_name not in IMPORTED_STATUS:
        raise ValueError(f"status {status_name!r} is none of {', '.join(IMPORTED_STATUS)}")
    created_at = _local_time(item.get("waktu_lapor"), zone)
    if created_at is None:
        raise ValueError("waktu_lapor is missing or not YYYY-MM-DD HH:MM:SS")
    processed_at = _optional_time(item, "waktu_diproses", zone, line, warnings)
    updated_at = _optional_time(item, "waktu_update", zone, line, warnings)
    photo = item.get("foto")
    if photo is not None and (not isinstance(photo, str) or len(photo) > MAX_PHOTO_NAME):
        warnings.append(f"line {line}: foto is not a file name; imported without a photo")
        photo = None
    return SeedRecord(
        line=line,
        legacy_id=legacy_id,
        reporter_name=reporter_name,
        location=location,
        description=description,
        priority=SEED_PRIORITY[priority_name],
        status=IMPORTED_STATUS[status_name],
        created_at=created_at,
        processed_at=processed_at,
        updated_at=updated_at,
        photo=photo or None,
        source=item,
    )


def _text(value: Any, name: str, limit: int, *, required: bool) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{name} is missing or empty")
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name} is not text")
    text: str = value.strip()
    if "\x00" in text:
        raise ValueError(f"{name} contains a NUL character")
    if len(text) > limit:
        raise ValueError(f"{name} is longer than {limit} characters ({len(text)})")
    return text


def _local_time(value: Any, zone: ZoneInfo, formats: tuple[str, ...] = _LOCAL_FORMATS) -> datetime | None:
    """A campus-local time of the original, in UTC."""
    if not isinstance(value, str):
        return None
    for pattern in formats:
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=zone).astimezone(UTC)
        except ValueError:
            continue
    return None


def _optional_time(
    item: dict[str, Any], name: str, zone: ZoneInfo, line: int, warnings: list[str]
) -> datetime | None:
    value = item.get(name)
    if value is None:
        return None
    parsed = _local_time(value, zone, (*_LOCAL_FORMATS, _CTIME_FORMAT))
    if parsed is None:
        warnings.append(f"line {line}: {name} {value!r} is not a time; left out of the timeline")
    return parsed

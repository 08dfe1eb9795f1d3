"""Places: campus → building → floor → room. Codes, and the CSV an office keeps them in (pure)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

CODE_PATTERN = r"[A-Z0-9][A-Z0-9.-]{0,19}"
_CODE = re.compile(CODE_PATTERN)

CSV_COLUMNS = ("code", "building", "floor", "name", "name_en", "building_name", "campus", "retired")
REQUIRED_COLUMNS = ("code", "building", "floor", "name")
MAX_ROWS = 50_000  # a campus has tens of thousands of rooms at most; one command carries them all
NAME_MAX = 120
FLOOR_MAX = 10
CAMPUS_MAX = 80


class InvalidCode(ValueError):
    pass


def normalize_code(raw: str) -> str:
    """A code as stored: upper case. Codes are matched case-insensitively (``gda-201`` is ``GDA-201``)."""
    code = raw.strip().upper()
    if not _CODE.fullmatch(code):
        raise InvalidCode(raw)
    return code


def is_code(raw: str) -> bool:
    try:
        normalize_code(raw)
    except InvalidCode:
        return False
    return True


class PlaceRow(BaseModel):
    """One room as the CSV (or the places page) gives it; its building is created when new."""

    model_config = ConfigDict(frozen=True)

    code: str
    building: str
    floor: str
    name: str
    name_en: str | None = None
    building_name: str | None = None
    campus: str | None = None
    retired: bool | None = None  # None: as it is (a new room is in use)


class RoomRef(BaseModel):
    """A room as a report's public view names it."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    building: str
    building_name: str
    floor: str


class RowError(BaseModel):
    """Why one line of a CSV file cannot be imported (line 1 is the header)."""

    model_config = ConfigDict(frozen=True)

    line: int
    reason: str


_LIMITS = {
    "name": NAME_MAX,
    "name_en": NAME_MAX,
    "building_name": NAME_MAX,
    "floor": FLOOR_MAX,
    "campus": CAMPUS_MAX,
}
_RETIRED = {
    "yes": True,
    "ya": True,
    "true": True,
    "1": True,
    "no": False,
    "tidak": False,
    "false": False,
    "0": False,
}


def check_row(fields: dict[str, str], line: int) -> PlaceRow | RowError:
    """One row's fields checked; the first problem is the row's reason."""

    def text(name: str) -> str:
        return (fields.get(name) or "").strip()

    for name in REQUIRED_COLUMNS:
        if not text(name):
            return RowError(line=line, reason=f"{name} is empty")
    try:
        code = normalize_code(text("code"))
    except InvalidCode:
        return RowError(line=line, reason=f"code {text('code')!r} does not match {CODE_PATTERN}")
    try:
        building = normalize_code(text("building"))
    except InvalidCode:
        return RowError(line=line, reason=f"building {text('building')!r} does not match {CODE_PATTERN}")
    for name, limit in _LIMITS.items():
        if len(text(name)) > limit:
            return RowError(line=line, reason=f"{name} is longer than {limit} characters")
        if any(ord(ch) < 32 for ch in text(name)):
            return RowError(line=line, reason=f"{name} contains a control character")
    retired = _RETIRED.get(text("retired").lower())
    if text("retired") and retired is None:
        return RowError(line=line, reason="retired is not yes or no")
    return PlaceRow(
        retired=retired,
        code=code,
        building=building,
        floor=text("floor"),
        name=text("name"),
        name_en=text("name_en") or None,
        building_name=text("building_name") or None,
        campus=text("campus") or None,
    )


def parse_csv(content: str) -> tuple[list[PlaceRow], list[RowError]]:
    """Every row of a places CSV file, or every bad row with its line number (then import nothing)."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")), strict=True)
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as exc:
        return [], [RowError(line=1, reason=f"not a CSV file: {exc}")]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return [], [RowError(line=1, reason=f"the header lacks {', '.join(missing)}")]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        return [], [RowError(line=1, reason=f"unknown column {', '.join(unknown)}")]
    reader.fieldnames = header
    rows: list[PlaceRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    try:
        for fields in reader:
            line = reader.line_num
            if len(rows) + len(errors) >= MAX_ROWS:
                errors.append(RowError(line=line, reason=f"more than {MAX_ROWS} rows"))
                break
            if None in fields:
                errors.append(RowError(line=line, reason="more values than columns"))
                continue
            checked = check_row({k: v or "" for k, v in fields.items()}, line)
            if isinstance(checked, RowError):
                errors.append(checked)
            elif checked.code in seen:
                errors.append(
                    RowError(line=line, reason=f"code {checked.code} repeats line {seen[checked.code]}")
                )
            else:
                seen[checked.code] = line
                rows.append(checked)
    except csv.Error as exc:
        errors.append(RowError(line=reader.line_num, reason=f"not valid CSV: {exc}"))
    errors.extend(_building_conflicts(rows, seen))
    if not rows and not errors:
        errors.append(RowError(line=1, reason="no rows"))
    return rows, errors


def _building_conflicts(rows: list[PlaceRow], lines: dict[str, int]) -> list[RowError]:
    """Two rows that give one building two names: which one would win is not the file's to guess."""
    names: dict[str, tuple[str, int]] = {}
    errors: list[RowError] = []
    for row in rows:
        if row.building_name is None:
            continue
        first = names.setdefault(row.building, (row.building_name, lines[row.code]))
        if first[0] != row.building_name:
            errors.append(
                RowError(
                    line=lines[row.code],
                    reason=f"building {row.building} is named {first[0]!r} on line {first[1]}",
                )
            )
    return errors


def to_csv(rows: Iterable[dict[str, object]]) -> str:
    """The registry as a CSV file the import takes back unchanged."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = {key: "" if value is None else value for key, value in row.items()}
        cells["retired"] = "yes" if row.get("retired") else "no"
        writer.writerow(cells)
    return out.getvalue()

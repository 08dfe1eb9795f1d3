"""``lapor places import``: check the file, send it as one command, print the worker's answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lapor.broker.client import connect
from lapor.config import Settings
from lapor.domain.commands import Actor
from lapor.domain.enums import Role
from lapor.domain.places import RowError, parse_csv
from lapor.services.places import ImportTimedOut, import_rows

OPERATOR = Actor(role=Role.ADMIN, name="lapor places import")
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class ImportOutcome:
    ok: bool
    lines: list[str] = field(default_factory=list)


def _errors(errors: list[RowError] | list[dict[str, object]]) -> list[str]:
    parsed = [RowError.model_validate(error) for error in errors]
    return [f"line {error.line}: {error.reason}" for error in parsed] + ["nothing was imported"]


def read_text(path: Path) -> str | ImportOutcome:
    if path.stat().st_size > MAX_FILE_BYTES:
        return ImportOutcome(False, [f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"])
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return ImportOutcome(False, [f"{path}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8"])


async def import_file(settings: Settings, path: Path, *, wait_seconds: float) -> ImportOutcome:
    """Every bad row with its line, or the worker's count of rooms added and updated."""
    content = read_text(path)
    if isinstance(content, ImportOutcome):
        return content
    rows, errors = parse_csv(content)
    if errors:
        return ImportOutcome(False, _errors(errors))
    redis = connect(settings.redis_url)
    try:
        result = await import_rows(
            redis=redis,
            rows=rows,
            actor=OPERATOR,
            wait_aof=settings.redis_wait_aof,
            timeout_seconds=wait_seconds,
        )
    except ImportTimedOut as exc:
        return ImportOutcome(
            False,
            [
                f"no worker answered in {wait_seconds:g} s; "
                f"the import (command {exc}) is applied once one runs"
            ],
        )
    finally:
        await redis.aclose()
    if not result.get("ok"):
        return ImportOutcome(False, _errors(result.get("errors") or []))
    if result.get("replayed"):
        return ImportOutcome(True, ["already imported"])
    return ImportOutcome(
        True, [f"{result['added']} rooms added, {result['updated']} updated, {result['buildings']} buildings"]
    )

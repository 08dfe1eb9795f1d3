"""``lapor import-seed``: the original project's JSON file into Lapor, through the broker.

Each record is one ``report.import`` command whose report id and command id are derived from the
record's old id, so importing the same file twice stores nothing twice: records already stored
are skipped here, and a command sent twice (two runs before a worker got to the first) is
applied once. The old id stays an alias of the report (``GET /api/lapor/{old id}``). A photo
found in ``--photos`` is copied into the upload store under a name derived from the old id and
rendered by the workers' photo stage like any upload.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lapor.broker.client import connect
from lapor.broker.intake_script import send_command
from lapor.config import Settings
from lapor.domain.commands import ImportLegacyReport
from lapor.domain.legacy_records import SeedFileError, SeedRecord, read_seed_file
from lapor.services.intake import derive_title, hash_tracking_token
from lapor.store import legacy_queries
from lapor.store.engine import create_engine, create_sessionmaker

MAX_FILE_BYTES = 50 * 1024 * 1024
_NAMESPACE = uuid.UUID("6f1d0c5e-51a8-4f8e-9a55-6c1f1d1a7e01")  # Lapor's: old ids → our ids


def report_id_for(legacy_id: str) -> str:
    """The id an old record is stored under: the same on every run."""
    return str(uuid.uuid5(_NAMESPACE, f"report:{legacy_id}"))


def command_id_for(legacy_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"import:{legacy_id}"))


def upload_name_for(legacy_id: str) -> str:
    """The upload store's name for an imported photo (a name ``store.is_upload_name`` accepts)."""
    return hashlib.sha256(f"lapor-import-seed:{legacy_id}".encode()).hexdigest()[:32] + ".upload"


@dataclass
class SeedImport:
    sent: int = 0
    already: int = 0
    applied: int | None = None  # how many of those sent a worker had stored when we stopped waiting
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        summary = f"{self.sent} records sent to the workers, {self.already} imported before"
        if self.applied is not None:
            summary += f"; {self.applied} of {self.sent} stored"
            if self.applied < self.sent:
                summary += " so far (the rest are stored once a worker runs)"
        return [*self.problems, *self.warnings, summary]


async def import_seed_file(
    settings: Settings, path: Path, *, photos: Path | None = None, wait_seconds: float = 0
) -> SeedImport:
    """Send every importable record of ``path``; the problems say, by line, what was not sent."""
    text = await asyncio.to_thread(_read, path)
    if isinstance(text, SeedImport):
        return text
    try:
        seed = read_seed_file(text, settings.campus_zone)
    except SeedFileError as exc:
        return SeedImport(problems=[f"{exc}; nothing was imported"])
    outcome = SeedImport(problems=seed.problems, warnings=seed.warnings)
    engine = create_engine(settings.resolved_database_url)
    sessions = create_sessionmaker(engine)
    redis = connect(settings.redis_url)
    try:
        async with sessions() as session:
            done = await legacy_queries.imported_aliases(
                session, legacy_ids={record.legacy_id for record in seed.records}
            )
        to_send = [record for record in seed.records if record.legacy_id not in done]
        outcome.already = len(seed.records) - len(to_send)
        for record in to_send:
            upload = _photo(settings, record, photos, outcome.warnings)
            command = _command(record, upload)
            await send_command(redis, command, wait_aof=settings.redis_wait_aof)
            outcome.sent += 1
        if wait_seconds > 0 and to_send:
            outcome.applied = await _wait_stored(sessions, {r.legacy_id for r in to_send}, wait_seconds)
    finally:
        await redis.aclose()
        await engine.dispose()
    return outcome


def _read(path: Path) -> str | SeedImport:
    if path.stat().st_size > MAX_FILE_BYTES:
        return SeedImport(problems=[f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"])
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        return SeedImport(problems=[f"{path}: not UTF-8 text (byte {exc.start})"])


def _command(record: SeedRecord, upload: str | None) -> ImportLegacyReport:
    return ImportLegacyReport(
        command_id=command_id_for(record.legacy_id),
        report_id=report_id_for(record.legacy_id),
        legacy_id=record.legacy_id,
        # Nobody holds a tracking token of an imported report: the hash of one thrown away.
        tracking_token_hash=hash_tracking_token(secrets.token_urlsafe(32)),
        reporter_name=record.reporter_name,
        location=record.location,
        title=derive_title(record.description),
        description=record.description,
        priority=record.priority,
        status=record.status,
        created_at=record.created_at,
        processed_at=record.processed_at,
        updated_at=record.updated_at,
        upload=upload,
        source=record.source,
    )


def _photo(settings: Settings, record: SeedRecord, photos: Path | None, warnings: list[str]) -> str | None:
    """The record's photo copied into the upload store (its name), or None with a warning why."""
    if record.photo is None:
        return None
    where = f"line {record.line}: foto {record.photo!r}"
    if photos is None:
        warnings.append(f"{where}: no --photos directory given; imported without its photo")
        return None
    name = record.photo
    if name in (".", "..") or any(c in name for c in "/\\\x00") or name != name.strip():
        warnings.append(f"{where}: not a plain file name; imported without a photo")
        return None
    root = photos.resolve()
    source = (root / name).resolve()
    if source.parent != root or not source.is_file():
        warnings.append(f"{where}: not found in {photos}; imported without a photo")
        return None
    size = source.stat().st_size
    if size > settings.max_photo_bytes:
        warnings.append(f"{where}: larger than LAPOR_MAX_PHOTO_BYTES; imported without a photo")
        return None
    upload = upload_name_for(record.legacy_id)
    target = settings.upload_dir / upload
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        temporary = target.with_suffix(".part")
        temporary.write_bytes(source.read_bytes())
        temporary.replace(target)  # whole or not at all: a worker never reads half a photo
    return upload


async def _wait_stored(
    sessions: async_sessionmaker[AsyncSession], legacy_ids: set[str], wait_seconds: float
) -> int:
    deadline = time.monotonic() + wait_seconds
    while True:
        async with sessions() as session:
            stored = len(await legacy_queries.imported_aliases(session, legacy_ids=legacy_ids))
        if stored == len(legacy_ids) or time.monotonic() >= deadline:
            return stored
        await asyncio.sleep(0.5)

"""Storing one record of the original project's JSON file, with the history it had."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lapor.domain.commands import Actor, ImportLegacyReport, utcnow
from lapor.domain.enums import PhotoStatus, Role, Status, TimelineKind
from lapor.media import store
from lapor.store.models import LegacyReport, Report, TimelineEntry, table_of
from lapor.worker.handlers import count_status

IMPORT_ACTOR = Actor(role=Role.SYSTEM, name="lapor import-seed")
IMPORTED_NOTE = "legacy.imported_note"  # a catalogue key: the timeline shows it translated


def import_legacy_report(session: Session, command: ImportLegacyReport) -> None:
    """Store the report, its alias and its timeline; a record stored before is left alone.

    No events: an import is history, not news (no "new emergency" push for a report fixed a
    year ago). Its photo, if any, is rendered by the photo stage like any other."""
    if session.get(LegacyReport, command.legacy_id) is not None:
        return
    if session.scalar(select(Report.id).where(Report.id == command.report_id)) is not None:
        return
    upload = command.upload if command.upload and store.is_upload_name(command.upload) else None
    moves = _moves(command)
    updated_at = max([command.created_at, *(at for _frm, _to, at in moves)])
    session.connection().execute(
        insert(table_of(Report)),
        {
            "id": command.report_id,
            "tracking_token_hash": command.tracking_token_hash,
            "title": command.title,
            "description": command.description,
            "category": "other",
            "location": command.location,
            "priority": command.priority.value,
            "priority_rank": command.priority.rank,
            "status": command.status.value,
            "reporter_name": command.reporter_name,
            "reporter_contact": None,
            "language": "id",
            "photo": None,
            "photo_status": (PhotoStatus.PENDING if upload else PhotoStatus.NONE).value,
            "photo_upload": upload,
            "created_at": command.created_at,
            "updated_at": updated_at,
        },
    )
    entries: list[dict[str, object]] = [
        _entry(
            command, TimelineKind.CREATED, command.created_at, Status.QUEUED, Status.PENDING, IMPORTED_NOTE
        )
    ]
    entries += [_entry(command, TimelineKind.STATUS, at, frm, to, None) for frm, to, at in moves]
    session.connection().execute(insert(table_of(TimelineEntry)), entries)
    session.connection().execute(
        insert(table_of(LegacyReport)),
        {
            "legacy_id": command.legacy_id,
            "report_id": command.report_id,
            "source": command.source,
            "imported_at": utcnow(),
        },
    )
    count_status(session, command.status, +1)


def _moves(command: ImportLegacyReport) -> list[tuple[Status, Status, datetime]]:
    """The status moves the record's times tell: pending → in_progress when the original's
    worker (or a technician) took it up, then → resolved or rejected when it was last updated."""
    started = command.processed_at or command.updated_at or command.created_at
    ended = command.updated_at or started
    if command.status == Status.IN_PROGRESS:
        return [(Status.PENDING, Status.IN_PROGRESS, started)]
    if command.status == Status.RESOLVED:
        return [(Status.PENDING, Status.IN_PROGRESS, started), (Status.IN_PROGRESS, Status.RESOLVED, ended)]
    if command.status == Status.REJECTED:
        return [(Status.PENDING, Status.REJECTED, ended)]
    return []


def _entry(
    command: ImportLegacyReport,
    kind: TimelineKind,
    at: datetime,
    from_status: Status,
    to_status: Status,
    note: str | None,
) -> dict[str, object]:
    return {
        "report_id": command.report_id,
        "command_id": command.command_id,
        "kind": kind.value,
        "at": at,
        "from_status": from_status.value,
        "to_status": to_status.value,
        "note": note,
        "actor_name": IMPORT_ACTOR.name,
        "actor_role": IMPORT_ACTOR.role.value,
    }

"""Commands into the database: one at a time, or a batch in one transaction; exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lapor.config import Settings
from lapor.domain.commands import (
    AddComment,
    AnyCommand,
    CreateReport,
    SubscribePush,
    SubscribeStaffPush,
    UpdateReport,
    report_of,
    utcnow,
)
from lapor.domain.events import ReportEvent
from lapor.media import store
from lapor.media.images import PhotoError, reencode
from lapor.store.models import ProcessedCommand, table_of
from lapor.worker import handlers, subscriptions
from lapor.worker.transactions import TransactionRunner

_INSERT_PROCESSED = insert(table_of(ProcessedCommand))


@dataclass(frozen=True, slots=True)
class Outcome:
    events: list[ReportEvent]
    replayed: bool  # the command had been applied before; its events are sent again


@dataclass(frozen=True, slots=True)
class RenderedPhoto:
    """The outcome of rendering a report's upload: a photo name, a refusal reason, or missing."""

    name: str | None = None
    error: str | None = None
    missing: bool = False  # the upload is gone: applied before (and cleaned up), or not shared


async def apply_command(
    runner: TransactionRunner, command: AnyCommand, settings: Settings, rendered: RenderedPhoto | None = None
) -> Outcome:
    """Apply ``command`` exactly once; a redelivered command changes nothing.

    ``rendered`` is the photo already rendered by the caller (the worker renders the photos of a
    batch in parallel threads); without it the photo is rendered here.
    """
    photo, photo_error = None, None
    if isinstance(command, CreateReport) and command.upload:
        if rendered is None:
            rendered = await asyncio.to_thread(render_photo, command, settings)
        if rendered.missing:
            already = await runner.run(lambda session: processed_events(session, command.command_id))
            if already is not None:
                return Outcome(already, replayed=True)
            # Not the reporter's fault: most likely this worker does not see the shared upload
            # store. Failing (so: retried, then dead-lettered) keeps the report for a replay.
            raise FileNotFoundError(f"upload {command.upload} is not in {settings.upload_dir}")
        photo, photo_error = rendered.name, rendered.error
    try:
        return await runner.run(lambda session: apply_in_session(session, command, photo, photo_error))
    except IntegrityError:
        # Applied before: redelivered after a crash, or applied meanwhile by another worker.
        already = await runner.run(lambda session: processed_events(session, command.command_id))
        if already is None:
            raise
        return Outcome(already, replayed=True)


async def apply_together(
    runner: TransactionRunner, batch: Sequence[tuple[AnyCommand, RenderedPhoto | None]]
) -> list[Outcome]:
    """Apply a batch of commands in order in one transaction: one commit for all of them.

    A commit is most of what a small command costs (a WAL write on SQLite, a flush to disk and a
    round trip on PostgreSQL). All or nothing: if any command fails (redelivered, its report not
    stored yet, refused by the database, the database gone), this raises with nothing committed,
    and the caller applies the batch one command at a time, where each case has its own answer.
    Every photo must have been rendered, and none may be missing.
    """
    work = [(command, *_photo_of(command, rendered)) for command, rendered in batch]

    def apply_all(session: Session) -> list[Outcome]:
        outcomes = [_apply(session, command, photo, error) for command, photo, error in work]
        handlers.write_status_counts(session)
        return outcomes

    return await runner.run(apply_all)


def _photo_of(command: AnyCommand, rendered: RenderedPhoto | None) -> tuple[str | None, str | None]:
    if not (isinstance(command, CreateReport) and command.upload):
        return None, None
    if rendered is None or rendered.missing:
        raise ValueError(f"the photo of {command.command_id} is not rendered")
    return rendered.name, rendered.error


def apply_in_session(
    session: Session, command: AnyCommand, photo: str | None, photo_error: str | None
) -> Outcome:
    """The command's whole database work, as the caller's whole transaction."""
    outcome = _apply(session, command, photo, photo_error)
    handlers.write_status_counts(session)
    return outcome


def _apply(session: Session, command: AnyCommand, photo: str | None, photo_error: str | None) -> Outcome:
    """One command's changes and the record that it is done, inside the caller's transaction.

    There is no "applied before?" query first: a redelivered command fails on the unique
    command id (or report id) at the flush, its transaction rolls back whole, and the caller
    replays the stored events. One round trip fewer for every command that is new.
    """
    events: list[ReportEvent] = []
    if isinstance(command, CreateReport):
        events = handlers.create_report(session, command, photo=photo, photo_error=photo_error)
    elif isinstance(command, UpdateReport):
        events = handlers.update_report(session, command)
    elif isinstance(command, AddComment):
        events = handlers.add_comment(session, command)
    elif isinstance(command, SubscribePush):
        subscriptions.subscribe_reporter(session, command)
    elif isinstance(command, SubscribeStaffPush):
        subscriptions.subscribe_staff(session, command)
    else:
        subscriptions.unsubscribe(session, command)
    session.flush()  # the ORM's changes (updates) first, then the record that they are done
    session.connection().execute(  # a duplicate fails here, inside the transaction
        _INSERT_PROCESSED,
        {
            "command_id": command.command_id,
            "report_id": report_of(command),
            "processed_at": utcnow(),
            "events": [event.model_dump(mode="json") for event in events],
        },
    )
    return Outcome(events, replayed=False)


def processed_events(session: Session, command_id: str) -> list[ReportEvent] | None:
    stored = session.get(ProcessedCommand, command_id)
    if stored is None:
        return None
    return [ReportEvent.model_validate(event) for event in stored.events]


def render_photo(command: CreateReport, settings: Settings) -> RenderedPhoto:
    """Decode, check and re-encode a report's upload. Blocking CPU work: run it in a thread
    (Pillow releases the GIL while it decodes and encodes, so threads use every core)."""
    assert command.upload is not None
    try:
        source = store.upload_path(settings.upload_dir, command.upload)
    except ValueError:
        return RenderedPhoto(error="photo.not_an_image")
    if not source.exists():
        return RenderedPhoto(missing=True)
    name = store.photo_name(settings.signing_key, command.command_id)
    try:
        reencode(
            source,
            display=store.display_path(settings.photo_dir, name),
            thumbnail=store.thumbnail_path(settings.photo_dir, name),
            max_pixels=settings.max_photo_pixels,
        )
    except PhotoError as exc:
        return RenderedPhoto(error=exc.code)
    except FileNotFoundError:
        return RenderedPhoto(missing=True)  # removed while we read it: applied by another worker
    return RenderedPhoto(name=name)


def discard_upload(command: AnyCommand, settings: Settings) -> None:
    """After the commit: the raw upload (with its EXIF) is no longer needed."""
    if isinstance(command, CreateReport) and command.upload and store.is_upload_name(command.upload):
        store.upload_path(settings.upload_dir, command.upload).unlink(missing_ok=True)

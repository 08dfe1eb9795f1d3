"""One command, start to finish: idempotency check, photo, transaction, events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lapor.config import Settings
from lapor.domain.commands import AddComment, CreateReport, UpdateReport, utcnow
from lapor.domain.events import ReportEvent
from lapor.media import store
from lapor.media.images import PhotoError, reencode
from lapor.store.models import ProcessedCommand
from lapor.worker import handlers

AnyCommand = CreateReport | UpdateReport | AddComment


@dataclass(frozen=True, slots=True)
class Outcome:
    events: list[ReportEvent]
    replayed: bool  # the command had been applied before; its events are sent again


async def apply_command(
    sessions: async_sessionmaker[AsyncSession], command: AnyCommand, settings: Settings
) -> Outcome:
    """Apply ``command`` exactly once; a redelivered command changes nothing."""
    photo, photo_error = None, None
    if isinstance(command, CreateReport) and command.upload:
        if await _processed_events(sessions, command.command_id) is not None:
            return await _replay(sessions, command.command_id)  # skip decoding the photo again
        photo, photo_error = await asyncio.to_thread(_render_photo, command, settings)
    try:
        async with sessions.begin() as session:
            stored = await session.get(ProcessedCommand, command.command_id)
            if stored is not None:
                return Outcome([ReportEvent.model_validate(e) for e in stored.events], replayed=True)
            events = await _dispatch(session, command, photo, photo_error)
            session.add(
                ProcessedCommand(
                    command_id=command.command_id,
                    report_id=command.report_id,
                    processed_at=utcnow(),
                    events=[event.model_dump(mode="json") for event in events],
                )
            )
    except IntegrityError:
        # Another worker applied it between our check and our commit (a reclaimed entry).
        return await _replay(sessions, command.command_id)
    return Outcome(events, replayed=False)


async def _replay(sessions: async_sessionmaker[AsyncSession], command_id: str) -> Outcome:
    events = await _processed_events(sessions, command_id)
    if events is None:
        raise LookupError(f"command {command_id} is neither applied nor applicable")
    return Outcome(events, replayed=True)


async def _dispatch(
    session: AsyncSession, command: AnyCommand, photo: str | None, photo_error: str | None
) -> list[ReportEvent]:
    if isinstance(command, CreateReport):
        return await handlers.create_report(session, command, photo=photo, photo_error=photo_error)
    if isinstance(command, UpdateReport):
        return await handlers.update_report(session, command)
    return await handlers.add_comment(session, command)


async def _processed_events(
    sessions: async_sessionmaker[AsyncSession], command_id: str
) -> list[ReportEvent] | None:
    async with sessions() as session:
        stored = await session.scalar(
            select(ProcessedCommand.events).where(ProcessedCommand.command_id == command_id)
        )
    if stored is None:
        return None
    return [ReportEvent.model_validate(event) for event in stored]


def _render_photo(command: CreateReport, settings: Settings) -> tuple[str | None, str | None]:
    """Returns (photo name, None) or (None, reason). Runs in a thread: decoding is CPU work."""
    assert command.upload is not None
    try:
        source = store.upload_path(settings.upload_dir, command.upload)
    except ValueError:
        return None, "photo.not_an_image"
    if not source.exists():
        # Not the reporter's fault: most likely this worker does not see the shared upload store.
        # Failing (and so retrying, then dead-lettering) keeps the report for a replay.
        raise FileNotFoundError(f"upload {command.upload} is not in {settings.upload_dir}")
    name = store.photo_name(settings.secret_key, command.command_id)
    try:
        reencode(
            source,
            display=store.display_path(settings.photo_dir, name),
            thumbnail=store.thumbnail_path(settings.photo_dir, name),
            max_pixels=settings.max_photo_pixels,
        )
    except PhotoError as exc:
        return None, exc.code
    return name, None


def discard_upload(command: AnyCommand, settings: Settings) -> None:
    """After the commit: the raw upload (with its EXIF) is no longer needed."""
    if isinstance(command, CreateReport) and command.upload and store.is_upload_name(command.upload):
        store.upload_path(settings.upload_dir, command.upload).unlink(missing_ok=True)

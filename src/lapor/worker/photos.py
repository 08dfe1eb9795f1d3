"""The photo stage: photos rendered after their report is stored, off the command path.

The command loop stores a report with ``photo_status`` ``pending`` and the raw upload's name in
``photo_upload``, commits, and publishes its events without looking at the photo. This stage, a
task beside the loop in every worker, then finds pending photos in the database, renders them one
at a time in a lower-priority process (``worker/renderer.py``), and records the outcome in a
transaction of its own: ``ready``, or ``unusable`` with a timeline entry saying why. Each outcome
is published as a ``photo`` event. Because the pending state lives in the database, a worker that
dies at any point leaves nothing behind that another worker (or itself, restarted) does not pick
up. Rendering is idempotent: the file names are an HMAC of the report's create command id, and
the outcome is recorded only while the photo is still pending, so a second render changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from redis.asyncio import Redis
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from lapor.broker import event_stream, keys
from lapor.config import Settings
from lapor.domain.commands import utcnow
from lapor.domain.enums import PhotoStatus, Priority, Status, TimelineKind
from lapor.domain.events import ReportEvent, visibility_of
from lapor.media import store
from lapor.store.models import Report, TimelineEntry, table_of
from lapor.worker.backoff import DB_RETRY_FIRST_SECONDS, Backoff, delay
from lapor.worker.handlers import SYSTEM_ACTOR
from lapor.worker.renderer import RenderCrashed, Renderer
from lapor.worker.transactions import TransactionRunner

log = logging.getLogger("lapor.worker")

_BATCH = 16  # pending photos looked at per round; the oldest first
_STORAGE_RETRY_FIRST_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class PendingPhoto:
    report_id: str
    upload: str
    command_id: str  # of the report's create command: the photo's file name is derived from it


def pending_photos(session: Session, *, limit: int) -> tuple[list[PendingPhoto], int]:
    """The oldest pending photos, and how many are pending in all."""
    rows = session.execute(
        select(Report.id, Report.photo_upload, TimelineEntry.command_id)
        .join(
            TimelineEntry,
            and_(TimelineEntry.report_id == Report.id, TimelineEntry.kind == TimelineKind.CREATED.value),
        )
        .where(Report.photo_status == PhotoStatus.PENDING.value)
        .order_by(Report.created_at)
        .limit(limit)
    ).all()
    count = session.scalar(
        select(func.count()).select_from(Report).where(Report.photo_status == PhotoStatus.PENDING.value)
    )
    return [PendingPhoto(r.id, r.photo_upload or "", r.command_id) for r in rows], int(count or 0)


def finish_photo(
    session: Session, photo: PendingPhoto, *, status: PhotoStatus, name: str | None, note: str | None
) -> ReportEvent | None:
    """Record a photo's outcome, once: None if it was no longer pending (another worker did it)."""
    now = utcnow()
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Report)
            .where(Report.id == photo.report_id, Report.photo_status == PhotoStatus.PENDING.value)
            .values(photo_status=status.value, photo=name, photo_upload=None, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return None
    report = session.execute(select(Report.status, Report.priority).where(Report.id == photo.report_id)).one()
    if status == PhotoStatus.UNUSABLE:
        session.execute(
            insert(table_of(TimelineEntry)),
            {
                "report_id": photo.report_id,
                "command_id": photo.command_id,
                "kind": TimelineKind.PHOTO.value,
                "at": now,
                "note": note,
                "actor_name": SYSTEM_ACTOR.name,
                "actor_role": SYSTEM_ACTOR.role.value,
            },
        )
    return ReportEvent(
        event_id=f"{photo.command_id}:photo",
        type="photo",
        visibility=visibility_of("photo"),
        report_id=photo.report_id,
        at=now,
        status=Status(report.status),
        priority=Priority(report.priority),
        note=note,
        by=SYSTEM_ACTOR.name,
        photo_status=status,
    )


class PhotoStage:
    """Renders pending photos until stopped; never fatal to the worker beside it."""

    def __init__(self, settings: Settings, redis: Redis, runner: TransactionRunner, *, name: str) -> None:
        self.settings = settings
        self.redis = redis
        self.runner = runner
        self.name = name
        self.rendered = 0
        self._renderer = Renderer(timeout=settings.photo_render_timeout_seconds)
        self._wake = asyncio.Event()
        self._failures: dict[str, int] = {}  # report id -> failed attempts in a row
        self._next_try: dict[str, float] = {}  # report id -> monotonic time it may be tried again

    def wake(self) -> None:
        """New photos were stored: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        outage = Backoff(base=DB_RETRY_FIRST_SECONDS, cap=self.settings.worker_db_retry_max_seconds)
        try:
            while not stopping.is_set():
                try:
                    busy = await self.step(stopping)
                    outage.reset()
                except Exception as exc:  # the database or Redis away, or a bug: photos wait
                    wait = outage.next()
                    log.warning("photo stage: %s: %s; trying again in %.1fs", type(exc).__name__, exc, wait)
                    await self._pause(stopping, wait)
                    continue
                if not busy:
                    await self._pause(stopping, self.settings.photo_poll_seconds)
        finally:
            self._renderer.close()

    async def drain(self) -> None:
        """Burst mode: render every pending photo that is due now, then return."""
        try:
            while await self.step(None):
                pass
        finally:
            self._renderer.close()

    async def step(self, stopping: asyncio.Event | None) -> bool:
        """One round over the oldest pending photos; True if any was due."""
        self._wake.clear()
        pending, count = await self.runner.run(partial(pending_photos, limit=_BATCH))
        await self.redis.hset(keys.PHOTO_STAGE, "pending", count)
        now = time.monotonic()
        due = [photo for photo in pending if self._next_try.get(photo.report_id, 0.0) <= now]
        for photo in due:
            if stopping is not None and stopping.is_set():
                break
            await self._render(photo)
        return bool(due)

    async def _pause(self, stopping: asyncio.Event, seconds: float) -> None:
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stopping.wait())]
        _done, rest = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for task in rest:
            task.cancel()

    async def _render(self, photo: PendingPhoto) -> None:
        lease = keys.photo_lease(photo.report_id)
        lease_seconds = int(self.settings.photo_render_timeout_seconds) + 60
        if not await self.redis.set(lease, self.name, nx=True, ex=lease_seconds):
            self._next_try[photo.report_id] = time.monotonic() + self.settings.photo_poll_seconds
            return  # another worker is rendering it
        try:
            outcome = await self._outcome(photo)
            if outcome is None:
                return
            kind, detail = outcome
            if kind == "storage":
                await self._storage_failed(photo, detail)
                return
            await self._finish(photo, kind, detail)
        finally:
            await self.redis.delete(lease)

    async def _outcome(self, photo: PendingPhoto) -> tuple[str, str] | None:
        """What rendering gave: (kind, detail), or None when a crash is to be retried."""
        name = store.photo_name(self.settings.signing_key, photo.command_id)
        try:
            source = store.upload_path(self.settings.upload_dir, photo.upload)
        except ValueError:
            return "unusable", "photo.not_an_image"
        try:
            return await self._renderer.render(
                str(source),
                str(store.display_path(self.settings.photo_dir, name)),
                str(store.thumbnail_path(self.settings.photo_dir, name)),
                self.settings.max_photo_pixels,
            )
        except RenderCrashed as exc:
            failures = self._failed_again(photo)
            log.warning("photo of report %s: %s (attempt %d)", photo.report_id, exc, failures)
            if failures >= self.settings.worker_max_attempts:
                return "unusable", "photo.unreadable"  # it kills or hangs the decoder every time
            return None

    async def _finish(self, photo: PendingPhoto, kind: str, detail: str) -> None:
        ready = kind == "ready"
        name = store.photo_name(self.settings.signing_key, photo.command_id) if ready else None
        status = PhotoStatus.READY if ready else PhotoStatus.UNUSABLE
        note = None if ready else detail
        event = await self.runner.run(
            lambda session: finish_photo(session, photo, status=status, name=name, note=note)
        )
        async with self.redis.pipeline(transaction=False) as pipe:
            if event is not None:
                event_stream.append(pipe, [event], maxlen=self.settings.events_maxlen)
            pipe.hdel(keys.PHOTO_STAGE, "error", "error_at")  # storage works again
            pipe.hincrby(keys.PHOTO_STAGE, "rendered" if ready else "unusable", 1)
            await pipe.execute()
        self._failures.pop(photo.report_id, None)
        self._next_try.pop(photo.report_id, None)
        self.rendered += 1
        with contextlib.suppress(OSError, ValueError):  # the raw upload (with its EXIF) is done with
            store.upload_path(self.settings.upload_dir, photo.upload).unlink(missing_ok=True)

    async def _storage_failed(self, photo: PendingPhoto, message: str) -> None:
        """Not the photo's fault: the report keeps its pending photo, retried with backoff, and the
        failure is shown to operators (/staff/system, ``lapor status``, /metrics)."""
        failures = self._failed_again(photo)
        wait = delay(failures, base=_STORAGE_RETRY_FIRST_SECONDS, cap=self.settings.photo_retry_max_seconds)
        self._next_try[photo.report_id] = time.monotonic() + wait
        log.error("photo of report %s not rendered: %s; retrying in %.0fs", photo.report_id, message, wait)
        async with self.redis.pipeline(transaction=False) as pipe:
            at = utcnow().isoformat().replace("+00:00", "Z")
            pipe.hset(keys.PHOTO_STAGE, mapping={"error": message, "error_at": at})
            pipe.hincrby(keys.PHOTO_STAGE, "failures", 1)
            await pipe.execute()

    def _failed_again(self, photo: PendingPhoto) -> int:
        self._failures[photo.report_id] = self._failures.get(photo.report_id, 0) + 1
        return self._failures[photo.report_id]

"""Accepting a report: validate, keep the photo bytes, put the command on the stream, answer."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lapor.api.categories import CategoryCache
from lapor.api.errors import PayloadTooLarge, ServiceUnavailable, ValidationFailed, validation_problems
from lapor.api.fields import NoNul
from lapor.api.views import queued_report, report_links
from lapor.broker.intake import DurabilityError, Submitted, submit_report
from lapor.broker.pipe import ScriptPipe
from lapor.config import Settings
from lapor.domain.commands import CreateReport, new_id
from lapor.domain.enums import Priority, Status
from lapor.media import store
from lapor.media.images import PhotoError, sniff

log = logging.getLogger("lapor.api")

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


class ReportSubmission(BaseModel):
    """The fields of a new report, as any client sends them."""

    model_config = ConfigDict(extra="ignore")

    reporter_name: Annotated[Text, Field(min_length=1, max_length=120), NoNul]
    reporter_contact: Annotated[Text, Field(max_length=200), NoNul] | None = None
    category: Annotated[Text, Field(min_length=1, max_length=40), NoNul] = "other"
    location: Annotated[Text, Field(min_length=1, max_length=200), NoNul]
    description: Annotated[Text, Field(min_length=10, max_length=4000), NoNul]
    title: Annotated[Text, Field(max_length=200), NoNul] | None = None
    priority: Priority = Priority.NORMAL

    @field_validator("reporter_contact", "title", mode="after")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("priority", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        return Priority.NORMAL if value is None or value == "" else value


def parse_submission(fields: dict[str, Any]) -> ReportSubmission:
    try:
        return ReportSubmission.model_validate(fields)
    except ValidationError as exc:
        raise ValidationFailed(validation_problems(exc.errors())) from exc


def derive_title(description: str) -> str:
    """The first line of the description, cut at a word boundary near 80 characters."""
    first = " ".join(description.split("\n", 1)[0].split())
    if len(first) <= 80:
        return first
    cut = first[:80].rsplit(" ", 1)[0] or first[:80]
    return cut + "…"


def idempotency_digest(key: str | None) -> str | None:
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationFailed([("Idempotency-Key", "error.idempotency_key", {})])
    return hashlib.sha256(key.encode()).hexdigest()


def check_photo(data: bytes | None, settings: Settings) -> bytes | None:
    """The photo's bytes if they are an image we accept, judged by content; None for no photo."""
    if not data:
        return None
    if len(data) > settings.max_photo_bytes:
        raise PayloadTooLarge("photo.too_large", max_mb=settings.max_photo_bytes // (1024 * 1024))
    try:
        sniff(data, max_pixels=settings.max_photo_pixels)
    except PhotoError as exc:
        raise ValidationFailed([("photo", exc.code, {})]) from exc
    return data


async def accept_report(
    submission: ReportSubmission,
    photo: bytes | None,
    *,
    settings: Settings,
    redis: Redis,
    categories: CategoryCache,
    idempotency_key: str | None,
    language: str,
    pipe: ScriptPipe | None = None,
) -> Submitted:
    """Store the photo, append ``report.create``; the answer is given only once Redis has it."""
    digest = idempotency_digest(idempotency_key)
    known = await categories.slugs()
    if submission.category not in known:
        raise ValidationFailed([("category", "error.unknown_category", {"choices": ", ".join(known)})])
    upload = await _save_photo(settings, photo) if photo else None
    token = secrets.token_urlsafe(24)
    command = CreateReport(
        report_id=new_id(),
        tracking_token_hash=hash_tracking_token(token),
        reporter_name=submission.reporter_name,
        reporter_contact=submission.reporter_contact,
        category=submission.category,
        location=submission.location,
        title=submission.title or derive_title(submission.description),
        description=submission.description,
        priority=submission.priority,
        upload=upload,
        language=language,
    )
    answer = {
        "id": command.report_id,
        "tracking_token": token,
        "status": Status.QUEUED.value,
        "links": report_links(command.report_id),
    }
    try:
        submitted = await submit_report(
            redis,
            command,
            queued_view=queued_report(command, has_photo=upload is not None),
            answer=answer,
            idempotency_digest=digest,
            queued_ttl=settings.queued_view_ttl_seconds,
            idempotency_ttl=settings.idempotency_ttl_seconds,
            wait_aof=settings.redis_wait_aof,
            pipe=pipe,
        )
    except DurabilityError as exc:
        # The command is in Redis (and will be processed) but its fsync was not confirmed in
        # time: keep the photo, and say "try again" — a retry with the same Idempotency-Key
        # answers with this very report.
        log.error("report %s: %s", command.report_id, exc)
        raise ServiceUnavailable("error.durability_unconfirmed") from exc
    except (RedisError, OSError) as exc:
        log.error("could not enqueue report %s: %s", command.report_id, exc)
        _discard(settings, upload)
        raise ServiceUnavailable("error.broker_unavailable") from exc
    if not submitted.created:
        _discard(settings, upload)  # the earlier request with this key stored its own photo
    return submitted


# Without an fsync, writing a photo of up to this size only copies it into the page cache, and
# is done on the event loop: measured on the 2-core bench machine, a hop to a worker thread cost
# more CPU (0.2-0.5 ms under load) than the write itself. A larger photo, or any photo that must
# be fsynced before the answer (LAPOR_REDIS_WAIT_AOF), is written in a thread.
INLINE_WRITE_MAX_BYTES = 1024 * 1024


async def _save_photo(settings: Settings, photo: bytes) -> str:
    fsync = settings.redis_wait_aof
    if not fsync and len(photo) <= INLINE_WRITE_MAX_BYTES:
        return store.save_upload(settings.upload_dir, photo)
    return await asyncio.to_thread(store.save_upload, settings.upload_dir, photo, fsync=fsync)


def hash_tracking_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _discard(settings: Settings, upload: str | None) -> None:
    if upload:
        store.upload_path(settings.upload_dir, upload).unlink(missing_ok=True)

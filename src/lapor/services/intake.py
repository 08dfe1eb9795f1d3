"""Accepting a report: validate, keep the photo bytes, put the command on the stream, answer."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import logging
import os
import re
import secrets
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lapor.broker.intake_script import (
    BacklogFull,
    DurabilityError,
    Idempotency,
    KeyReused,
    RateLimit,
    RateLimited,
    Submitted,
    stored_answer,
    submit_report,
)
from lapor.broker.pipe import ScriptPipe
from lapor.config import Settings
from lapor.domain.commands import CreateReport, new_id
from lapor.domain.enums import Priority, Status
from lapor.domain.fields import NoNul
from lapor.domain.places import RoomRef
from lapor.domain.supporters import check_supporter, supporter_hash
from lapor.errors import (
    PayloadTooLarge,
    ServiceUnavailable,
    TooManyRequests,
    ValidationFailed,
    validation_problems,
)
from lapor.media import store
from lapor.media.images import PhotoError, sniff
from lapor.services.categories import CategoryCache
from lapor.services.places import RoomCache
from lapor.services.views import queued_report, report_links

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
    room: Annotated[Text, Field(max_length=120), NoNul] | None = None  # a room code (a form: or its name)
    # The browser's supporter id (domain/supporters.py): only its hash is kept, so that this
    # reporter's own "me too" never counts. Optional; the form's script sends it.
    supporter: Annotated[str, Field(max_length=128)] | None = None

    @field_validator("supporter", mode="after")
    @classmethod
    def _supporter(cls, value: str | None) -> str | None:
        return check_supporter(value) if value else None

    @field_validator("reporter_contact", "title", "room", mode="after")
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


async def idempotency_of(
    key: str | None, submission: ReportSubmission, photo: bytes | None
) -> Idempotency | None:
    """The key's digest and the request's: the parsed fields and the photo bytes, never the raw body
    (its multipart boundary changes on every send) nor the client's address (it changes when a
    phone changes network)."""
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationFailed([("Idempotency-Key", "error.idempotency_key", {})])
    request = hashlib.sha256(json.dumps(submission.model_dump(mode="json"), sort_keys=True).encode())
    request.update(b"\x00photo:")
    if photo and len(photo) > INLINE_HASH_MAX_BYTES:
        await asyncio.to_thread(request.update, photo)  # hashlib lets go of the GIL meanwhile
    elif photo:
        request.update(photo)
    return Idempotency(
        key_digest=hashlib.sha256(key.encode()).hexdigest(), request_digest=request.hexdigest()
    )


def address_scope(host: str | None) -> str:
    """Who the per-address limit counts: the IPv4 address, or the /64 of an IPv6 one (one home or
    phone gets a whole /64, and could otherwise pick a fresh address for every report)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return f"{ipaddress.IPv6Network((address, 64), strict=False).network_address}/64"
    return str(address)


# Hashing a photo costs about 2 ms per MB on the 2-core bench machine: a larger one is hashed in
# a thread rather than holding up every other request on the event loop.
INLINE_HASH_MAX_BYTES = 512 * 1024

# Retry-After for the refusals that a moment may cure.
BACKLOG_RETRY_SECONDS = 30  # the workers apply ~1,000 commands a second: half a minute drains a lot
DISK_RETRY_SECONDS = 300  # someone has to free space or the retention job has to run
BROKER_RETRY_SECONDS = 2  # a little longer than the intake pipe's cool-down after a failure


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
    rooms: RoomCache,
    idempotency_key: str | None,
    client_host: str | None,
    language: str,
    pipe: ScriptPipe | None = None,
) -> Submitted:
    """Store the photo, append ``report.create``; the answer is given only once Redis has it.

    A request answered before (same Idempotency-Key, same fields and photo) gets that answer
    whatever has changed since: a category retired, the disk full, the rate limit reached."""
    idempotency = await idempotency_of(idempotency_key, submission, photo)
    known = await categories.slugs()
    if submission.category not in known:
        return await _replay_or(
            redis,
            idempotency,
            ValidationFailed([("category", "error.unknown_category", {"choices": ", ".join(known)})]),
        )
    room: RoomRef | None = None
    if submission.room:
        # A dict lookup in this process's room cache: no round trip on the hot path.
        room = await rooms.resolve(submission.room)
        if room is None:
            return await _replay_or(
                redis, idempotency, ValidationFailed([("room", "error.unknown_room", {})])
            )
    if photo and not _disk_has_room(settings):
        return await _replay_or(
            redis, idempotency, ServiceUnavailable("error.upload_disk_full", seconds=DISK_RETRY_SECONDS)
        )
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
        room=room.code if room else None,
        supporter_hash=supporter_hash(submission.supporter) if submission.supporter else None,
    )
    answer = {
        "id": command.report_id,
        "tracking_token": token,
        "status": Status.QUEUED.value,
        "links": report_links(command.report_id),
    }
    rate_limit = RateLimit(
        scope=address_scope(client_host),
        limit=settings.intake_rate_limit,
        window_seconds=settings.intake_rate_window_seconds,
    )
    try:
        submitted = await submit_report(
            redis,
            command,
            queued_view=queued_report(command, has_photo=upload is not None, room=room),
            answer=answer,
            idempotency=idempotency,
            rate_limit=rate_limit,
            max_backlog=settings.intake_max_backlog,
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
        raise ServiceUnavailable("error.durability_unconfirmed", seconds=BROKER_RETRY_SECONDS) from exc
    except (RedisError, OSError) as exc:
        log.error("could not enqueue report %s: %s", command.report_id, exc)
        _discard(settings, upload)
        raise ServiceUnavailable("error.broker_unavailable", seconds=BROKER_RETRY_SECONDS) from exc
    except (KeyReused, RateLimited, BacklogFull) as exc:
        _discard(settings, upload)
        raise _refusal(exc) from exc
    if not submitted.created:
        _discard(settings, upload)  # the earlier request with this key stored its own photo
    return submitted


def _refusal(
    exc: KeyReused | RateLimited | BacklogFull,
) -> ValidationFailed | TooManyRequests | ServiceUnavailable:
    if isinstance(exc, KeyReused):
        return ValidationFailed([("Idempotency-Key", "error.idempotency_key_reused", {})])
    if isinstance(exc, RateLimited):
        return TooManyRequests("error.intake_rate_limited", seconds=exc.retry_after)
    return ServiceUnavailable("error.intake_backlog_full", seconds=BACKLOG_RETRY_SECONDS)


async def _replay_or(redis: Redis, idempotency: Idempotency | None, refusal: Exception) -> Submitted:
    """The stored answer to this very request, if it was answered before; else ``refusal``."""
    if idempotency is not None:
        try:
            answer = await stored_answer(redis, idempotency)
        except KeyReused as exc:
            raise _refusal(exc) from exc
        except (RedisError, OSError):
            answer = None  # the refusal stands; a retry once Redis answers may replay
        if answer is not None:
            return Submitted(created=False, answer=answer)
    raise refusal


def _disk_has_room(settings: Settings) -> bool:
    """Whether the upload directory's file system keeps its floor of free space."""
    if settings.upload_min_free_bytes <= 0:
        return True
    try:
        stats = os.statvfs(settings.upload_dir)
    except OSError:
        return True  # saving the photo will fail and say why
    return stats.f_bavail * stats.f_frsize >= settings.upload_min_free_bytes


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

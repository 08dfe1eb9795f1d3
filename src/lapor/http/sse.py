"""Server-Sent Events from the ``lapor:events`` stream.

One reader per API process tails the stream and fans each event out to the connections that
want it, so a thousand open pages cost one Redis connection, not a thousand. A connection
registers before it reads its backlog, so no event can fall between the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_args

from pydantic import BaseModel, Field, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lapor.broker import event_stream as broker_events
from lapor.broker import keys
from lapor.broker.streamids import STREAM_ID_PATTERN, stream_id_key
from lapor.domain.enums import PhotoStatus, Priority, Status
from lapor.domain.events import EventType, ReportEvent, ReportView, Visibility, for_audience
from lapor.i18n import MESSAGES, translate
from lapor.services.views import iso_utc

log = logging.getLogger("lapor.sse")

_QUEUE_LIMIT = 1000


@dataclass(eq=False)
class Subscription:
    report_id: str | None  # None: every report (the staff stream)
    room: str | None = None  # a room page's stream: the events of that room's reports only
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=_QUEUE_LIMIT)
    )
    lagged: bool = False  # too slow to keep up: its stream ends and the browser resumes by id


class EventHub:
    """Owns its Redis client: its one connection spends its life in a blocking XREAD."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def connections(self) -> int:
        return len(self._subscribers)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._pump(), name="lapor-event-hub")

    async def stop(self) -> None:
        # redis-py may turn a cancellation in the middle of a command into a ConnectionError,
        # which the pump would retry; the flag makes it end instead.
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            # Closing the socket ends a blocking XREAD at once instead of after its timeout.
            await self._redis.connection_pool.disconnect()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()

    def subscribe(self, report_id: str | None, room: str | None = None) -> Subscription:
        subscription = Subscription(report_id, room)
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    async def _pump(self) -> None:
        last_id = "$"
        while not self._stopped:
            try:
                if last_id == "$":
                    last_id = await broker_events.last_event_id(self._redis)
                batch = await broker_events.read_after(self._redis, last_id, count=500, block_ms=5000)
            except (RedisError, OSError) as exc:
                if self._stopped:
                    return
                log.warning("event stream unreachable (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            for entry_id, fields in batch:
                last_id = entry_id
                self._dispatch(entry_id, fields)

    def _dispatch(self, entry_id: str, fields: dict[str, str]) -> None:
        payload: dict[str, Any] | None = None
        for subscription in list(self._subscribers):
            if not _wanted(subscription.report_id, subscription.room, fields):
                continue
            payload = payload or json.loads(fields.get("data", "{}"))
            try:
                subscription.queue.put_nowait((entry_id, payload))
            except asyncio.QueueFull:
                subscription.lagged = True


def _wanted(report_id: str | None, room: str | None, fields: dict[str, str]) -> bool:
    """Whether a listener of one report (or one room, or everything) wants this stream entry."""
    if room is not None:
        return fields.get("room") == room
    return report_id is None or fields.get("report_id") == report_id


def _json_default(value: object) -> str:
    return iso_utc(value) if isinstance(value, datetime) else str(value)


def format_event(event_type: str, event_id: str | None, data: dict[str, Any]) -> str:
    lines = [f"event: {event_type}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, default=_json_default, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


class EventData(BaseModel):
    """The ``data:`` of an event (documentation: ``client_payload`` and the snapshot build it)."""

    id: str = Field(description="The report")
    event_id: str | None = Field(
        default=None, description="`<command id>:<n>`, the same on a redelivery; absent from the snapshot"
    )
    type: EventType
    visibility: Visibility = Field(description="Who may see the event: `public`, `reporter` or `staff`")
    status: Status = Field(description="The report's status after the change")
    previous_status: Status | None = None
    priority: Priority | None = None
    at: datetime
    note: str | None = Field(description="The reporter and staff only (null for the public)")
    by: str | None = Field(default=None, description="The reporter and staff only (null for the public)")
    report: ReportView | None = Field(
        default=None, description="The report's public view, on its first `status` event"
    )
    photo_status: PhotoStatus | None = Field(default=None, description="`photo` events: ready or unusable")


def event_schema() -> dict[str, Any]:
    """One event of a stream, as OpenAPI 3.1 describes an item of ``text/event-stream``."""
    data = EventData.model_json_schema()
    definitions = data.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "enum": list(get_args(EventType))},
            "id": {"type": "string", "pattern": STREAM_ID_PATTERN},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": inline(data)},
            "retry": {"type": "integer"},
        },
    }


def deliverable(event: dict[str, Any], audience: Visibility, language: str) -> dict[str, Any] | None:
    """What a listener of ``audience`` gets of a stored event (None: nothing), for the live
    stream and the replay alike: the one projection (``for_audience``), then the wire shape."""
    try:
        parsed = ReportEvent.model_validate(event)
    except ValidationError:
        log.warning("skipping an event this version cannot read: %s", event.get("event_id"))
        return None
    projected = for_audience(parsed, audience)
    return None if projected is None else client_payload(projected, language)


def client_payload(event: ReportEvent, language: str) -> dict[str, Any]:
    """What a browser gets: the report, its status, when, and a note in the reader's language.

    ``event_id`` is stable across redeliveries: a client that sees one twice can drop it.
    """
    note = event.note
    if note is not None and note in MESSAGES:
        note = translate(note, language)
    payload = event.model_dump(mode="json", exclude={"report_id", "report", "note"})
    payload = {"id": event.report_id, **payload, "note": note}
    if event.report is not None:
        payload["report"] = event.report.model_dump(mode="json")
    return payload


async def backlog(
    redis: Redis, after_id: str, report_id: str | None, room: str | None = None
) -> tuple[list[tuple[str, dict[str, Any]]], bool]:
    """Events after ``after_id`` for one report (or all); and whether the stream was trimmed past it."""
    first: Any = await redis.xrange(keys.EVENTS, count=1)
    trimmed = bool(first) and stream_id_key(str(first[0][0])) > stream_id_key(after_id) and after_id != "0-0"
    found: list[tuple[str, dict[str, Any]]] = []
    cursor = after_id
    while True:
        chunk = await broker_events.read_after(redis, cursor, count=1000)
        if not chunk:
            return found, trimmed
        for entry_id, fields in chunk:
            cursor = entry_id
            if _wanted(report_id, room, fields):
                found.append((entry_id, json.loads(fields.get("data", "{}"))))


async def event_stream(
    hub: EventHub,
    redis: Redis,
    *,
    report_id: str | None,
    last_event_id: str | None,
    snapshot: Callable[[], Awaitable[dict[str, Any] | None]] | None,
    audience: Visibility,
    language: str,
    keepalive_seconds: float,
    max_seconds: float,
    room: str | None = None,
    still_allowed: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[str]:
    """The SSE body for one connection: backlog or snapshot, then live events, with keep-alives.

    ``still_allowed`` (a staff stream) is asked before every live event and keep-alive: once the
    staff member is signed out or deactivated the stream ends, and the browser's reconnect is
    refused with a 401, so an open page stops receiving at once rather than at the stream's cap.

    Every event goes through ``deliverable`` for ``audience``, from the backlog and live alike.
    The connection's lifetime is capped so that long-lived streams spread over API processes
    after a deploy; the browser reconnects with ``Last-Event-ID`` and misses nothing.
    """
    subscription = hub.subscribe(report_id, room)
    try:
        yield "retry: 3000\n\n"
        sent = (0, 0)
        start_id = last_event_id
        trimmed = False
        if start_id is not None:
            pending, trimmed = await backlog(redis, start_id, report_id, room)
            sent = stream_id_key(start_id)
        if start_id is None or trimmed:
            # No cursor (a first visit) or a cursor older than the stream keeps: start from the
            # current state, stamped with the newest event id so the next reconnect resumes there.
            newest = await broker_events.last_event_id(redis)
            pending = []
            state = await snapshot() if snapshot is not None else None
            if state is not None:
                yield format_event("status", newest, state)
            sent = max(sent, stream_id_key(newest))
        for entry_id, event in pending:
            if stream_id_key(entry_id) > sent:
                sent = stream_id_key(entry_id)
                payload = deliverable(event, audience, language)
                if payload is not None:
                    yield format_event(payload["type"], entry_id, payload)
        deadline = asyncio.get_running_loop().time() + max_seconds
        while not subscription.lagged:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            try:
                entry_id, event = await asyncio.wait_for(
                    subscription.queue.get(), timeout=min(keepalive_seconds, remaining)
                )
            except TimeoutError:
                if still_allowed is not None and not await still_allowed():
                    return
                yield ": keep-alive\n\n"
                continue
            if stream_id_key(entry_id) <= sent:
                continue  # already sent from the backlog
            if still_allowed is not None and not await still_allowed():
                return
            sent = stream_id_key(entry_id)
            payload = deliverable(event, audience, language)
            if payload is not None:
                yield format_event(payload["type"], entry_id, payload)
    finally:
        hub.unsubscribe(subscription)

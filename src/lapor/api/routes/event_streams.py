"""Live updates over Server-Sent Events, resumable with ``Last-Event-ID``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from redis.asyncio import Redis

from lapor.auth import revocation
from lapor.broker.streamids import STREAM_ID_PATTERN, is_stream_id
from lapor.config import Settings
from lapor.domain.places import is_code
from lapor.errors import DATABASE_ERRORS, NotFound, ValidationFailed
from lapor.http.deps import (
    REDIS_ERRORS,
    LanguageDep,
    RedisDep,
    SettingsDep,
    StaffSession,
    StaffSessionDep,
    optional_staff_session,
)
from lapor.http.errors import error_responses
from lapor.http.sse import event_schema, event_stream
from lapor.http.stream_admission import StreamAdmission
from lapor.services import lookup

router = APIRouter(prefix="/api", tags=["events"])

_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        # Before OpenAPI 3.2 (`itemSchema`), the schema of an event stream describes each event.
        "content": {"text/event-stream": {"schema": event_schema()}},
        "description": "An event stream; it ends after `LAPOR_SSE_MAX_CONNECTION_SECONDS`",
    }
}
# A stream id; empty counts as absent. Checked by ``_cursor`` so that both spellings get the same 422.
_CURSOR_SCHEMA = {"pattern": STREAM_ID_PATTERN.replace("^", "^(", 1).replace("$", ")?$")}
LastEventIdHeader = Annotated[str | None, Header(alias="Last-Event-ID", json_schema_extra=_CURSOR_SCHEMA)]
LastEventIdQuery = Annotated[str | None, Query(max_length=41, json_schema_extra=_CURSOR_SCHEMA)]


def _cursor(header: str | None, query: str | None) -> str | None:
    """``Last-Event-ID`` from a reconnecting browser, else ``last_event_id`` from a first link.

    Both are checked when both are sent: a malformed id is a 422 even where the other one wins.
    """
    for value in (header, query):
        if value and not is_stream_id(value):
            raise ValidationFailed([("last_event_id", "field.invalid", {})])
    return header or query or None


def staff_still_allowed(redis: Redis, staff: StaffSession) -> Callable[[], Awaitable[bool]]:
    """Whether the staff member's token is still good (not signed out, not deactivated): one
    Redis read, so a staff stream ends as soon as its owner is revoked."""
    claims = staff.claims

    async def check() -> bool:
        try:
            revoked = await revocation.is_revoked(
                redis, token_id=claims.token_id, user_id=claims.user_id, issued_at_ms=claims.issued_at_ms
            )
        except REDIS_ERRORS:
            return True  # Redis is out: the stream has nothing to deliver anyway; checked again
        return not revoked

    return check


async def _admitted(request: Request, body: AsyncIterator[str]) -> AsyncIterator[str]:
    """``body`` if the caller's address has a free place for one more stream (else 429); it gives
    the place back when it ends. Called last, once nothing else can refuse the request."""
    admission: StreamAdmission = request.app.state.stream_admission
    address = request.client.host if request.client else "unknown"
    ticket = await admission.admit(address)
    return admission.held(address, ticket, body)


async def _streamed(request: Request, redis: Redis, settings: Settings, **stream: Any) -> StreamingResponse:
    """One connection's event stream (``http.sse.event_stream`` with ``stream``), under the
    settings' keep-alive and lifetime, admitted by the per-address cap."""
    body = event_stream(
        request.app.state.hub,
        redis,
        keepalive_seconds=settings.sse_keepalive_seconds,
        max_seconds=settings.sse_max_connection_seconds,
        **stream,
    )
    return StreamingResponse(
        await _admitted(request, body), media_type="text/event-stream", headers=_SSE_HEADERS
    )


TokenQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="The report's tracking token (EventSource cannot send headers): comments and notes",
    ),
]
TokenHeader = Annotated[str | None, Header(alias="X-Tracking-Token", max_length=200)]


@router.get(
    "/reports/{report_id}/events",
    response_class=StreamingResponse,
    responses={**_SSE_RESPONSE, **error_responses(401, 404, 422, 429, 503)},
    summary="Changes of one report (SSE): public events; its reporter's with the token; all for staff",
)
async def report_events(
    report_id: str,
    request: Request,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
    last_event_id_header: LastEventIdHeader = None,
    last_event_id: LastEventIdQuery = None,
    token: TokenQuery = None,
    token_header: TokenHeader = None,
) -> StreamingResponse:
    cursor = _cursor(last_event_id_header, last_event_id)
    sessions = request.app.state.sessions
    # Who is asking is settled once, with a session closed before the stream starts.
    async with sessions() as session:
        staff = await optional_staff_session(request, session, settings, redis)
        report_id, audience = await lookup.report_audience(
            session, redis, report_id, staff=staff is not None, token=token_header or token
        )

    async def snapshot() -> dict[str, Any] | None:
        try:
            async with sessions() as session:
                # Public fields only (status, updated_at): the cheapest view, the same for all.
                view = await lookup.report_view(session, redis, report_id, language=language, staff=False)
        except DATABASE_ERRORS:
            return None  # the database is out: no snapshot, but live events still flow
        except NotFound:
            return None
        # The current state, which everyone may see: a pseudo-event without a note or an author.
        return {
            "id": report_id,
            "type": "status",
            "visibility": "public",
            "status": view["status"],
            "at": view["updated_at"],
            "note": None,
            "photo_status": view.get("photo_status"),
        }

    return await _streamed(
        request,
        redis,
        settings,
        report_id=report_id,
        last_event_id=cursor,
        snapshot=snapshot,
        audience=audience,
        language=language,
        still_allowed=staff_still_allowed(redis, staff) if staff is not None else None,
    )


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={**_SSE_RESPONSE, **error_responses(401, 422, 429, 503)},
    summary="Changes of all reports (SSE, staff)",
)
async def all_events(
    request: Request,
    staff: StaffSessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
    last_event_id_header: LastEventIdHeader = None,
    last_event_id: LastEventIdQuery = None,
) -> StreamingResponse:
    return await _streamed(
        request,
        redis,
        settings,
        report_id=None,
        last_event_id=_cursor(last_event_id_header, last_event_id),
        snapshot=None,
        audience="staff",
        language=language,
        still_allowed=staff_still_allowed(redis, staff),
    )


@router.get(
    "/places/{code}/events",
    response_class=StreamingResponse,
    responses={**_SSE_RESPONSE, **error_responses(404, 422, 429, 503)},
    summary="Public changes of one room's reports (SSE), new reports included (their first status event)",
)
async def room_events(
    code: str,
    request: Request,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
    last_event_id_header: LastEventIdHeader = None,
    last_event_id: LastEventIdQuery = None,
) -> StreamingResponse:
    cursor = _cursor(last_event_id_header, last_event_id)
    room = await request.app.state.rooms.resolve(code) if is_code(code) else None
    if room is None or room.code != code.strip().upper():
        raise NotFound("error.room_not_found")
    return await _streamed(
        request,
        redis,
        settings,
        report_id=None,
        room=room.code,
        last_event_id=cursor,
        snapshot=None,  # the room page holds the state; the stream brings what changes after it
        audience="public",
        language=language,
    )

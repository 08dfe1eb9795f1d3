"""Live updates over Server-Sent Events, resumable with ``Last-Event-ID``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from lapor.api import lookup
from lapor.api.deps import LanguageDep, RedisDep, SettingsDep, StaffDep
from lapor.api.errors import DATABASE_ERRORS, NotFound, ValidationFailed
from lapor.api.sse import EventHub, event_stream
from lapor.broker.streamids import is_stream_id

router = APIRouter(prefix="/api", tags=["events"])

_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": "An event stream"}
}


def _cursor(header: str | None, query: str | None) -> str | None:
    """``Last-Event-ID`` from a reconnecting browser, or ``last_event_id`` from a first link."""
    value = header or query
    if value is None or value == "":
        return None
    if not is_stream_id(value):
        raise ValidationFailed([("last_event_id", "field.invalid", {})])
    return value


@router.get(
    "/reports/{report_id}/events",
    response_class=StreamingResponse,
    responses=_SSE_RESPONSE,
    summary="Status changes of one report (SSE)",
)
async def report_events(
    report_id: str,
    request: Request,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id: Annotated[str | None, Query(max_length=40)] = None,
) -> StreamingResponse:
    cursor = _cursor(last_event_id_header, last_event_id)
    sessions = request.app.state.sessions
    async with sessions() as session:
        report_id = await lookup.require_report(session, redis, report_id)

    async def snapshot() -> dict[str, Any] | None:
        try:
            async with sessions() as session:
                view = await lookup.report_view(session, redis, report_id, language=language, staff=False)
        except DATABASE_ERRORS:
            return None  # the database is out: no snapshot, but live events still flow
        except NotFound:
            return None
        return {
            "id": report_id,
            "type": "status",
            "status": view["status"],
            "at": view["updated_at"],
            "note": None,
        }

    hub: EventHub = request.app.state.hub
    body = event_stream(
        hub,
        redis,
        report_id=report_id,
        last_event_id=cursor,
        snapshot=snapshot,
        language=language,
        keepalive_seconds=settings.sse_keepalive_seconds,
        max_seconds=settings.sse_max_connection_seconds,
    )
    return StreamingResponse(body, media_type="text/event-stream", headers=_SSE_HEADERS)


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses=_SSE_RESPONSE,
    summary="Changes of all reports (SSE, staff)",
)
async def all_events(
    request: Request,
    user: StaffDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id: Annotated[str | None, Query(max_length=40)] = None,
) -> StreamingResponse:
    body = event_stream(
        request.app.state.hub,
        redis,
        report_id=None,
        last_event_id=_cursor(last_event_id_header, last_event_id),
        snapshot=None,
        language=language,
        keepalive_seconds=settings.sse_keepalive_seconds,
        max_seconds=settings.sse_max_connection_seconds,
    )
    return StreamingResponse(body, media_type="text/event-stream", headers=_SSE_HEADERS)

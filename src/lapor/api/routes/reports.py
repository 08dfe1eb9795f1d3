"""Reports: submit, read, list, change, comment, reopen."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from lapor.api.shapes import (
    IDEMPOTENCY_DESCRIPTION,
    SUBMIT_CONTENT_TYPES,
    TRIMMED,
    CommandAccepted,
    TrackingTokenHeader,
)
from lapor.config import Settings
from lapor.domain.commands import Actor, UpdateReport
from lapor.domain.enums import Priority, Role, Status
from lapor.domain.fields import NoNul
from lapor.domain.places import CODE_PATTERN
from lapor.errors import (
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from lapor.http.deps import (
    LanguageDep,
    OptionalStaffDep,
    RedisDep,
    SessionDep,
    SettingsDep,
    WriterDep,
)
from lapor.http.errors import error_responses, language_of
from lapor.http.submission import accept_submission, read_fields
from lapor.services import duplicates, intake, lookup
from lapor.services.reports import send, send_change, send_comment
from lapor.services.views import ReportDetail, ReportPage, public_report
from lapor.store import places_queries, queries

router = APIRouter(prefix="/api", tags=["reports"])


def _submit_schema(content_type: str) -> dict[str, Any]:
    """The fields of a new report; JSON may also send ``null`` for an optional one (= absent)."""

    def optional(schema: dict[str, Any]) -> dict[str, Any]:
        return {"anyOf": [schema, {"type": "null"}]} if content_type == "application/json" else schema

    properties: dict[str, Any] = {
        "reporter_name": {"type": "string", "minLength": 1, "maxLength": 120},
        "reporter_contact": optional({"type": "string", "maxLength": 200}),
        "category": {"type": "string", "minLength": 1, "maxLength": 40, "default": "other"},
        "location": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string", "minLength": 10, "maxLength": 4000},
        "title": optional({"type": "string", "maxLength": 200}),
        "priority": optional({"type": "string", "enum": [p.value for p in Priority], "default": "normal"}),
        "room": optional(
            {"type": "string", "maxLength": 120, "description": "A room code (GET /api/places)"}
        ),
    }
    if content_type == "multipart/form-data":
        properties["photo"] = {"type": "string", "format": "binary"}
    return {
        "type": "object",
        "description": TRIMMED,
        "required": ["reporter_name", "location", "description"],
        "properties": properties,
    }


_SUBMIT_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        content_type: {"schema": _submit_schema(content_type)} for content_type in SUBMIT_CONTENT_TYPES
    },
}


class Links(BaseModel):
    self: str
    events: str


class Accepted(BaseModel):
    id: str
    tracking_token: str
    status: Literal["queued"]
    links: Links


LOCATION_HEADER = {"Location": {"description": "The new report", "schema": {"type": "string"}}}


# What FastAPI documents for an ``IdempotencyKey`` parameter, for the route that reads it itself.
_IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": IDEMPOTENCY_DESCRIPTION,
        "pattern": intake.IDEMPOTENCY_KEY_PATTERN,
        "title": "Idempotency-Key",
    },
    "description": IDEMPOTENCY_DESCRIPTION,
}


@router.post(
    "/reports",
    status_code=202,
    response_model=Accepted,
    openapi_extra={"requestBody": _SUBMIT_BODY, "parameters": [_IDEMPOTENCY_PARAMETER]},
    summary="Submit a report (form with optional photo, or JSON)",
    responses={202: {"headers": LOCATION_HEADER}, **error_responses(400, 413, 415, 422, 429, 503)},
)
async def submit_report(request: Request) -> JSONResponse:
    # The hot path: settings, Redis, the language and the Idempotency-Key header straight from the
    # app and the request, rather than through parameters that FastAPI resolves and validates on
    # every call. The header is documented in the operation's parameters (_IDEMPOTENCY_PARAMETER).
    idempotency_key = request.headers.get("idempotency-key")
    settings: Settings = request.app.state.settings
    language = language_of(request)
    fields, raw_photo = await read_fields(request, settings)
    submission = intake.parse_submission(fields)
    photo = intake.check_photo(raw_photo, settings)
    submitted = await accept_submission(request, submission, photo, idempotency_key, language)
    answer = submitted.answer
    return JSONResponse(answer, status_code=202, headers={"Location": answer["links"]["self"]})


@router.get(
    "/reports/{report_id}",
    summary="One report: the public view; its reporter's with the tracking token; staff see all",
    response_model=None,
    responses={200: {"model": ReportDetail}, **error_responses(401, 404, 422, 503)},
)
async def get_report(
    report_id: str,
    session: SessionDep,
    redis: RedisDep,
    language: LanguageDep,
    staff: OptionalStaffDep,
    tracking_token: TrackingTokenHeader = None,
) -> dict[str, Any]:
    return await lookup.report_view(
        session, redis, report_id, language=language, staff=staff is not None, token=tracking_token
    )


@router.get(
    "/reports",
    summary="List reports, newest first, with filters and keyset pagination (public view; staff see all)",
    response_model=None,
    responses={200: {"model": ReportPage}, **error_responses(401, 422, 503)},
)
async def list_reports(
    session: SessionDep,
    language: LanguageDep,
    staff: OptionalStaffDep,
    status: Annotated[list[Status] | None, Query()] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=40), NoNul] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text search (staff): it reads descriptions"), NoNul
    ] = None,
    sort: Annotated[
        Literal["newest", "oldest", "priority", "me_too"],
        Query(description="`priority`: emergencies first; `me_too`: the most supported first"),
    ] = "newest",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    building: Annotated[
        str | None, Query(pattern=f"^(?i:{CODE_PATTERN})$", description="A building code")
    ] = None,
    room: Annotated[str | None, Query(pattern=f"^(?i:{CODE_PATTERN})$", description="A room code")] = None,
) -> dict[str, Any]:
    if q and staff is None:
        # A search matches descriptions, which the public may not read: not even by probing.
        raise Unauthorized("auth.required")
    filters = queries.ReportFilters(
        status=status,
        priority=priority,
        category=category,
        q=q or None,
        building=building.upper() if building else None,
        room=room.upper() if room else None,
        public_only=staff is None,
    )
    try:
        rows, next_cursor = await queries.list_reports(
            session, filters=filters, sort=sort, limit=limit, cursor=cursor
        )
    except queries.InvalidCursor as exc:
        raise ValidationFailed([("cursor", "field.invalid", {})]) from exc
    ids = {r.assignee_id for r in rows if r.assignee_id} if staff is not None else set()
    names = await queries.display_names(session, user_ids=ids)
    rooms = await places_queries.room_refs(session, codes={r.room_code for r in rows if r.room_code})
    items = [
        public_report(
            row,
            assignee=names.get(row.assignee_id) if row.assignee_id else None,
            timeline=None,
            language=language,
            staff=staff is not None,
            room=rooms.get(row.room_code) if row.room_code else None,
        )
        for row in rows
    ]
    return {"items": items, "next_cursor": next_cursor}


Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), NoNul]


class ReportChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["pending", "in_progress", "resolved", "rejected"] | None = None
    priority: Priority | None = None
    assignee: Annotated[str, Field(max_length=64), NoNul] | None = Field(
        default=None, description='A staff username; "" unassigns'
    )
    note: Note | None = None
    merge_into: Annotated[str, Field(max_length=64), NoNul] | None = Field(
        default=None,
        description="Merge this report into that one (with an optional `note`, nothing else): "
        "it becomes `duplicate` and its followers follow that one",
    )
    hidden: bool | None = Field(
        default=None, description="Alone: take the report off every public view (true) or show it (false)"
    )


@router.patch(
    "/reports/{report_id}",
    status_code=202,
    response_model=CommandAccepted,
    summary="Change a report (staff): status, priority, assignee, note; or merge it; or hide it",
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def change_report(
    report_id: str,
    change: ReportChange,
    user: WriterDep,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> dict[str, str]:
    plain = change.status is not None or change.priority is not None or change.assignee is not None
    if change.merge_into is not None or change.hidden is not None:
        if plain or (change.merge_into is not None and change.hidden is not None):
            raise ValidationFailed([("request", "merge.alone", {})])
        if change.hidden is not None:
            if change.note:
                raise ValidationFailed([("note", "merge.alone", {})])
            hide = await duplicates.send_hide(session, redis, settings, user, report_id, hidden=change.hidden)
            return {"command_id": hide.command_id}
        merge = await duplicates.send_merge(
            session, redis, settings, user, report_id, into=change.merge_into or "", note=change.note or None
        )
        return {"command_id": merge.command_id}
    if not plain and not change.note:
        raise ValidationFailed([("request", "error.nothing_to_change", {})])
    command = await send_change(
        session,
        redis,
        settings,
        user,
        report_id,
        status=Status(change.status) if change.status else None,
        priority=change.priority,
        assignee=change.assignee,
        note=change.note or None,
    )
    return {"command_id": command.command_id}


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NoNul]


@router.post(
    "/reports/{report_id}/comments",
    status_code=202,
    response_model=CommandAccepted,
    summary="Comment (staff)",
    responses=error_responses(401, 403, 404, 422, 503),
)
async def comment(
    report_id: str,
    comment: CommentIn,
    user: WriterDep,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> dict[str, str]:
    command = await send_comment(session, redis, settings, user, report_id, comment.body)
    return {"command_id": command.command_id}


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracking_token: Annotated[str, Field(min_length=1, max_length=200)]
    note: Note | None = None


@router.post(
    "/reports/{report_id}/reopen",
    status_code=202,
    response_model=CommandAccepted,
    summary="The reporter says a resolved report is not fixed",
    responses=error_responses(403, 404, 422, 503),
)
async def reopen(
    report_id: str, body: ReopenIn, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> dict[str, str]:
    report = await queries.get_report(session, report_id=lookup.check_report_id(report_id))
    if report is None:
        raise NotFound("error.report_not_found")
    if not hmac.compare_digest(report.tracking_token_hash, intake.hash_tracking_token(body.tracking_token)):
        raise Forbidden("error.tracking_token")
    command = UpdateReport(
        # A merged duplicate's token acts on the report it follows (never reads its reporter's part).
        report_id=report.duplicate_of or report.id,
        actor=Actor(role=Role.REPORTER, name=report.reporter_name),
        status=Status.PENDING,
        note=body.note or None,
    )
    return await send(redis, command, settings)

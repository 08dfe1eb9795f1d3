"""Reports: submit, read, list, change, comment, reopen."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.datastructures import UploadFile

from lapor.api import forms, intake, lookup
from lapor.api.deps import LanguageDep, OptionalStaffDep, RedisDep, SessionDep, SettingsDep, WriterDep
from lapor.api.errors import (
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    error_responses,
    language_of,
    parse_json,
)
from lapor.api.fields import NoNul
from lapor.api.views import ReportDetail, ReportPage, public_report
from lapor.broker.intake import send_command
from lapor.config import Settings
from lapor.domain.commands import Actor, AddComment, AnyCommand, UpdateReport
from lapor.domain.enums import Priority, Role, Status
from lapor.store import queries
from lapor.store.models import User

router = APIRouter(prefix="/api", tags=["reports"])

_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_MAX_FILES = 2
_MAX_FIELDS = 30


TRIMMED = "Text is stripped of surrounding whitespace before its length is checked."


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
    }
    if content_type == "multipart/form-data":
        properties["photo"] = {"type": "string", "format": "binary"}
    return {
        "type": "object",
        "description": TRIMMED,
        "required": ["reporter_name", "location", "description"],
        "properties": properties,
    }


SUBMIT_CONTENT_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "application/json")
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


class CommandAccepted(BaseModel):
    command_id: str


LOCATION_HEADER = {"Location": {"description": "The new report", "schema": {"type": "string"}}}
_IDEMPOTENCY_DESCRIPTION = "A repeat with the same key gets the first answer and creates nothing"
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description=_IDEMPOTENCY_DESCRIPTION,
        # Documented here, checked by the intake (after the fields) with a message of its own.
        json_schema_extra={"pattern": intake.IDEMPOTENCY_KEY_PATTERN},
    ),
]


# What FastAPI documents for an ``IdempotencyKey`` parameter, for the route that reads it itself.
_IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": _IDEMPOTENCY_DESCRIPTION,
        "pattern": intake.IDEMPOTENCY_KEY_PATTERN,
        "title": "Idempotency-Key",
    },
    "description": _IDEMPOTENCY_DESCRIPTION,
}


def actor_of(user: User) -> Actor:
    return Actor(role=Role(user.role), name=user.display_name, user_id=user.id)


async def read_fields(
    request: Request, settings: Settings, *, photo_field: str = "photo"
) -> tuple[dict[str, Any], bytes | None]:
    """The submitted fields and the photo's raw bytes (if any), from a form or a JSON body."""
    header = request.headers.get("content-type", "")
    content_type = header.split(";", 1)[0].strip().lower()
    if content_type == "multipart/form-data":
        # Our own parser (lapor.api.forms), same results as request.form() at a fraction of the
        # cost. The body-limit middleware has already bounded the body at max_body_bytes.
        boundary, charset = forms.multipart_boundary(header)
        return forms.parse_multipart(
            await request.body(),
            boundary,
            charset,
            file_field=photo_field,
            max_files=_MAX_FILES,
            max_fields=_MAX_FIELDS,
        )
    if content_type in _FORM_TYPES:
        async with request.form(max_files=_MAX_FILES, max_fields=_MAX_FIELDS) as form:
            fields = {key: value for key, value in form.items() if isinstance(value, str)}
            upload = form.get(photo_field)
            # At most one byte over the limit is read: enough to know it is too large.
            data = await upload.read(settings.max_photo_bytes + 1) if isinstance(upload, UploadFile) else None
        return fields, data or None
    if content_type == "application/json" or content_type.endswith("+json"):
        body = parse_json(await request.body())
        if not isinstance(body, dict):
            raise ValidationFailed([("request", "error.bad_json", {})])
        return body, None
    raise UnsupportedMediaType("error.unsupported_media_type")


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
    state = request.app.state
    settings: Settings = state.settings
    redis: Redis = state.redis
    language = language_of(request)
    fields, raw_photo = await read_fields(request, settings)
    submission = intake.parse_submission(fields)
    photo = intake.check_photo(raw_photo, settings)
    submitted = await intake.accept_report(
        submission,
        photo,
        settings=settings,
        redis=redis,
        categories=request.app.state.categories,
        pipe=request.app.state.intake_pipe,
        client_host=request.client.host if request.client else None,
        idempotency_key=idempotency_key,
        language=language,
    )
    answer = submitted.answer
    return JSONResponse(answer, status_code=202, headers={"Location": answer["links"]["self"]})


TrackingTokenHeader = Annotated[
    str | None,
    Header(
        alias="X-Tracking-Token",
        max_length=200,
        description="The report's tracking token: its reporter's view (photos, timeline, comments)",
    ),
]


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
    sort: Literal["newest", "oldest", "priority"] = "newest",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    if q and staff is None:
        # A search matches descriptions, which the public may not read: not even by probing.
        raise Unauthorized("auth.required")
    filters = queries.ReportFilters(status=status, priority=priority, category=category, q=q or None)
    try:
        rows, next_cursor = await queries.list_reports(
            session, filters=filters, sort=sort, limit=limit, cursor=cursor
        )
    except queries.InvalidCursor as exc:
        raise ValidationFailed([("cursor", "field.invalid", {})]) from exc
    ids = {r.assignee_id for r in rows if r.assignee_id} if staff is not None else set()
    names = await queries.display_names(session, user_ids=ids)
    items = [
        public_report(
            row,
            assignee=names.get(row.assignee_id) if row.assignee_id else None,
            timeline=None,
            language=language,
            staff=staff is not None,
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


@router.patch(
    "/reports/{report_id}",
    status_code=202,
    response_model=CommandAccepted,
    summary="Change a report (staff)",
    responses=error_responses(401, 403, 404, 422, 503),
)
async def change_report(
    report_id: str,
    change: ReportChange,
    user: WriterDep,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> dict[str, str]:
    if change.status is None and change.priority is None and change.assignee is None and not change.note:
        raise ValidationFailed([("request", "error.nothing_to_change", {})])
    report_id = await lookup.require_report(session, redis, report_id)
    command = UpdateReport(
        report_id=report_id,
        actor=actor_of(user),
        status=Status(change.status) if change.status else None,
        priority=change.priority,
        assignee=change.assignee,
        note=change.note or None,
    )
    return await send(redis, command, settings)


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
    report_id = await lookup.require_report(session, redis, report_id)
    return await send(
        redis, AddComment(report_id=report_id, actor=actor_of(user), body=comment.body), settings
    )


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
        report_id=report.id,
        actor=Actor(role=Role.REPORTER, name=report.reporter_name),
        status=Status.PENDING,
        note=body.note or None,
    )
    return await send(redis, command, settings)


async def send(redis: Redis, command: AnyCommand, settings: Settings) -> dict[str, str]:
    """Put a command on the stream; 503 if Redis cannot take it."""
    try:
        await send_command(redis, command, wait_aof=settings.redis_wait_aof)
    except (RedisError, OSError) as exc:
        raise ServiceUnavailable("error.broker_unavailable") from exc
    return {"command_id": command.command_id}

"""The seed project's API, kept so its pages and scripts still work — with its holes closed.

The original let anyone change any status and published every reporter's name; here those
two endpoints need a staff token, and a report read by its id shows the public view (the
reporter's with its tracking token in ``X-Tracking-Token``, everything for staff). Its pages cannot
send a CSRF token, so the staff session cookie is accepted without one: on reads, and on changes
sent as JSON from our own origin (``OriginalApiStaffDep``; BRIEF.md's one named exception).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from lapor.api.routes.reports import (
    SUBMIT_CONTENT_TYPES,
    TRIMMED,
    CommandAccepted,
    IdempotencyKey,
    TrackingTokenHeader,
)
from lapor.broker.stats import broker_stats
from lapor.domain.enums import Priority, Status
from lapor.errors import ValidationFailed
from lapor.http.deps import (
    LanguageDep,
    OptionalStaffDep,
    OriginalApiStaffDep,
    OriginalApiWriterDep,
    RedisDep,
    SessionDep,
    SettingsDep,
)
from lapor.http.errors import error_responses
from lapor.http.submission import accept_submission, read_fields
from lapor.i18n import translate
from lapor.services import intake, lookup
from lapor.services.reports import send_change
from lapor.services.views import iso_utc, photo_urls
from lapor.store import queries

router = APIRouter(prefix="/api", tags=["seed compatibility"])

SEED_PRIORITY = {"Darurat": Priority.EMERGENCY, "Sedang": Priority.MEDIUM, "Biasa": Priority.NORMAL}
PRIORITY_SEED = {value: key for key, value in SEED_PRIORITY.items()}
SEED_STATUS = {"PENDING": Status.PENDING, "DIPROSES_TEKNISI": Status.IN_PROGRESS, "SELESAI": Status.RESOLVED}
STATUS_SEED = {
    Status.QUEUED.value: "PENDING",
    Status.PENDING.value: "PENDING",
    Status.IN_PROGRESS.value: "DIPROSES_TEKNISI",
    Status.RESOLVED.value: "SELESAI",
    Status.REJECTED.value: "DITOLAK",
}

SEED_FIELD = {
    "reporter_name": "nama",
    "location": "lokasi",
    "description": "deskripsi",
    "priority": "prioritas",
    "photo": "foto",
}

_SEED_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        content_type: {
            "schema": {
                "type": "object",
                "description": TRIMMED,
                "required": ["nama", "lokasi", "deskripsi"],
                "properties": {
                    "nama": {"type": "string", "minLength": 1, "maxLength": 120},
                    "lokasi": {"type": "string", "minLength": 1, "maxLength": 200},
                    "deskripsi": {"type": "string", "minLength": 10, "maxLength": 4000},
                    "prioritas": (
                        {"anyOf": [{"type": "string", "enum": list(SEED_PRIORITY)}, {"type": "null"}]}
                        if content_type == "application/json"
                        else {"type": "string", "enum": list(SEED_PRIORITY)}
                    ),
                    **(
                        {"foto": {"type": "string", "format": "binary"}}
                        if content_type == "multipart/form-data"
                        else {}
                    ),
                },
            }
        }
        for content_type in SUBMIT_CONTENT_TYPES
    },
}


class SeedAccepted(BaseModel):
    message: str
    id_laporan: str
    status: Literal["PENDING"]
    tracking_token: str


class SeedReport(BaseModel):
    id_laporan: str
    lokasi: str
    deskripsi: str
    prioritas: Literal["Darurat", "Sedang", "Biasa"]
    status: Literal["PENDING", "DIPROSES_TEKNISI", "SELESAI", "DITOLAK"]
    foto: str | None
    waktu: datetime


class SeedStaffReport(SeedReport):
    nama: str


class QueueLength(BaseModel):
    jumlah_antrean: int


def seed_view(view: dict[str, Any], *, staff: dict[str, Any] | None = None) -> dict[str, Any]:
    """A report's view (any audience) in the seed's shape. The public view has no description:
    ``deskripsi`` then carries the report's public short title, so the seed's pages still work."""
    shaped = {
        "id_laporan": view["id"],
        "lokasi": view["location"],
        "deskripsi": view["description"] if "description" in view else view["title"],
        "prioritas": PRIORITY_SEED.get(Priority(view["priority"]), "Biasa"),
        "status": STATUS_SEED.get(view["status"], "PENDING"),
        "foto": view.get("photo_url"),
        "waktu": view["created_at"],
    }
    if staff is not None:
        shaped["nama"] = staff.get("reporter_name")
    return shaped


@router.post(
    "/lapor",
    status_code=202,
    response_model=SeedAccepted,
    openapi_extra={"requestBody": _SEED_BODY},
    summary="Seed: submit a report",
    responses=error_responses(400, 413, 415, 422, 429, 503),
)
async def lapor(
    request: Request,
    settings: SettingsDep,
    redis: RedisDep,
    language: LanguageDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    fields, raw_photo = await read_fields(request, settings, photo_field="foto")
    prioritas = fields.get("prioritas")
    if prioritas is None or prioritas == "":
        prioritas = "Biasa"
    if not isinstance(prioritas, str) or prioritas not in SEED_PRIORITY:
        choices = ", ".join(SEED_PRIORITY)
        raise ValidationFailed([("prioritas", "field.invalid_choice", {"choices": choices})])
    try:
        submission = intake.parse_submission(
            {
                "reporter_name": fields.get("nama"),
                "location": fields.get("lokasi"),
                "description": fields.get("deskripsi"),
                "priority": SEED_PRIORITY[prioritas],
                "category": "other",
            }
        )
        photo = intake.check_photo(raw_photo, settings)
    except ValidationFailed as exc:
        # Name the fields the way the seed's form does.
        raise ValidationFailed(
            [(SEED_FIELD.get(f, f), key, params) for f, key, params in exc.problems]
        ) from exc
    submitted = await accept_submission(request, submission, photo, idempotency_key, language)
    body = {
        "message": translate("seed.accepted", language),
        "id_laporan": submitted.answer["id"],
        "status": "PENDING",
        "tracking_token": submitted.answer["tracking_token"],
    }
    return JSONResponse(body, status_code=202)


@router.get(
    "/lapor/{report_id}",
    summary="Seed: one report in the seed's shape (public view; the reporter's with the token)",
    response_model=None,
    responses={200: {"model": SeedReport}, **error_responses(401, 404, 422, 503)},
)
async def lapor_status(
    report_id: str,
    session: SessionDep,
    redis: RedisDep,
    language: LanguageDep,
    staff: OptionalStaffDep,
    tracking_token: TrackingTokenHeader = None,
) -> dict[str, Any]:
    view = await lookup.report_view(
        session, redis, report_id, language=language, staff=staff is not None, token=tracking_token
    )
    return seed_view(view)


@router.get("/antrean", response_model=QueueLength, summary="Seed: how many reports wait in the queue")
async def antrean(redis: RedisDep) -> dict[str, int]:
    stats = await broker_stats(redis)
    return {"jumlah_antrean": stats.waiting + stats.pending}


class SeedStatusChange(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal["PENDING", "DIPROSES_TEKNISI", "SELESAI"]


@router.put(
    "/lapor/{report_id}",
    status_code=202,
    response_model=CommandAccepted,
    summary="Seed: set status (staff)",
    responses=error_responses(401, 403, 404, 422, 503),
)
async def lapor_set_status(
    report_id: str,
    change: SeedStatusChange,
    user: OriginalApiWriterDep,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> dict[str, str]:
    command = await send_change(session, redis, settings, user, report_id, status=SEED_STATUS[change.status])
    return {"command_id": command.command_id}


@router.get(
    "/semua_laporan",
    summary="Seed: every report (staff), newest first, at most 1000",
    response_model=None,
    responses={200: {"model": list[SeedStaffReport]}, **error_responses(401, 503)},
)
async def semua_laporan(
    user: OriginalApiStaffDep, session: SessionDep, language: LanguageDep
) -> list[dict[str, Any]]:
    rows, _ = await queries.list_reports(session, filters=queries.ReportFilters(), limit=1000)
    result = []
    for row in rows:
        view = {
            "id": row.id,
            "location": row.location,
            "description": row.description,
            "priority": row.priority,
            "status": row.status,
            "photo_url": photo_urls(row.photo)[0],
            "created_at": iso_utc(row.created_at),
        }
        result.append(seed_view(view, staff={"reporter_name": row.reporter_name}))
    return result

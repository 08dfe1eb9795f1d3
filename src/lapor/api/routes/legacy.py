"""The original project's API, answering what its two pages really read — with its holes closed.

The original let anyone change any status and published every reporter's name; here those
two endpoints need staff, and a report read by its id shows the public view (the reporter's with
its tracking token in ``X-Tracking-Token``, everything for staff). Its pages cannot send a CSRF
token, so the staff session cookie is accepted without one: on reads, and on changes sent as JSON
from our own origin (``OriginalApiStaffDep``; BRIEF.md's one named exception). The admin page
writes the list's text into its table as HTML, so ``/api/semua_laporan`` escapes it; its photo
links (``/static/uploads/{foto}``) are served here; the student page's refusals are text
(``http/plain_errors.py``). The shapes and status words live in ``services/legacy.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lapor.api.shapes import (
    SUBMIT_CONTENT_TYPES,
    TRIMMED,
    CommandAccepted,
    IdempotencyKey,
    TrackingTokenHeader,
)
from lapor.broker.stats import broker_stats
from lapor.domain.legacy import SEED_PRIORITY
from lapor.errors import NotFound, ValidationFailed
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
from lapor.http.plain_errors import PLAIN_ERROR_CONTENT
from lapor.http.submission import accept_submission, read_fields
from lapor.i18n import translate
from lapor.media import store
from lapor.services import intake, legacy, lookup

router = APIRouter(prefix="/api", tags=["seed compatibility"])

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


class SeedReporter(BaseModel):
    nama: str = Field(description="HTML-escaped")


class SeedAdminRow(BaseModel):
    """A report as the original's admin page reads it; every text field is HTML-escaped (the
    page writes them into its table as HTML)."""

    id: str
    waktu_lapor: str = Field(description="`YYYY-MM-DD HH:MM:SS` on the campus clock (LAPOR_CAMPUS_TIMEZONE)")
    pelapor: SeedReporter
    lokasi: str = Field(description="HTML-escaped")
    prioritas: Literal["Darurat", "Sedang", "Biasa"]
    deskripsi: str = Field(description="HTML-escaped")
    foto: str | None = Field(
        description="The rendered photo's bare file name, served at /static/uploads/{foto}"
    )
    status: Literal["PENDING", "DIPROSES_TEKNISI", "SELESAI", "DITOLAK"]
    id_laporan: str = Field(description="Same as `id`")
    waktu: datetime = Field(description="RFC 3339, UTC")
    nama: str = Field(description="HTML-escaped; same as `pelapor.nama`")
    foto_url: str | None


class QueueLength(BaseModel):
    jumlah_antrean: int


class SeedUnchanged(BaseModel):
    msg: str
    status: Literal["PENDING", "DIPROSES_TEKNISI", "SELESAI", "DITOLAK"]


def _plain_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of ``POST /api/lapor``: JSON when asked for, else one line of text."""
    declared = error_responses(*statuses)
    for answer in declared.values():
        answer["content"] = {key: {**value} for key, value in PLAIN_ERROR_CONTENT.items()}
    return declared


@router.post(
    "/lapor",
    status_code=202,
    response_model=SeedAccepted,
    openapi_extra={"requestBody": _SEED_BODY},
    summary="Seed: submit a report (errors are text/plain unless Accept names application/json)",
    responses=_plain_errors(400, 408, 413, 415, 422, 429, 503),
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
    description="`report_id` is one of ours or an old id of the original project (`lapor import-seed`).",
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
    report_id = await legacy.resolve_id(session, report_id)
    view = await lookup.report_view(
        session, redis, report_id, language=language, staff=staff is not None, token=tracking_token
    )
    return legacy.seed_view(view, kept=await legacy.kept_status(session, view))


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
    summary="Seed: set status (staff who may change reports)",
    description=(
        'The original admin page\'s one action, `{"status": "SELESAI"}`: on a pending report one '
        "command that starts and resolves it (both moves in the timeline), on a resolved one nothing "
        "(200), on a rejected or duplicate one a 409. With the session cookie: only as "
        "`application/json` from this origin (`Origin` or `Sec-Fetch-Site`)."
    ),
    responses={200: {"model": SeedUnchanged}, **error_responses(401, 403, 404, 409, 422, 503)},
)
async def lapor_set_status(
    report_id: str,
    change: SeedStatusChange,
    user: OriginalApiWriterDep,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
) -> Any:
    command = await legacy.set_status(session, redis, settings, user, report_id, change.status)
    if command is None:
        body = {"msg": translate("legacy.unchanged", language), "status": change.status}
        return JSONResponse(body, status_code=200)
    return {"command_id": command.command_id}


@router.get(
    "/semua_laporan",
    summary="Seed: every report (staff), newest first, at most 1000; text fields HTML-escaped",
    response_model=None,
    responses={200: {"model": list[SeedAdminRow]}, **error_responses(401, 503)},
)
async def semua_laporan(
    user: OriginalApiStaffDep, session: SessionDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    return await legacy.all_reports(session, settings)


# Outside /api: the original's admin page links a photo as /static/uploads/{foto}. Registered
# before the /static mount (app.py includes the routers first), so it wins that path.
uploads_router = APIRouter(tags=["seed compatibility"])


@uploads_router.get("/static/uploads/{file_name}", include_in_schema=False)
async def seed_photo(file_name: str, settings: SettingsDep) -> FileResponse:
    """A rendered photo by its bare file name (never a raw upload: those live elsewhere and have
    other names); anything else, a path included, is a 404."""
    if not store.is_photo_file_name(file_name) or file_name.endswith("_thumb.jpg"):
        raise NotFound("error.not_found")
    path = settings.photo_dir / file_name
    if not path.is_file():
        raise NotFound("error.not_found")
    return FileResponse(
        path,
        media_type="image/jpeg",
        headers={"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"},
    )

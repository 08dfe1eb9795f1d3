"""The student's pages: the report form and the live tracking page."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lapor.config import Settings
from lapor.domain.enums import Priority, Status
from lapor.errors import LaporError, NotFound, PayloadTooLarge, ValidationFailed
from lapor.http.deps import LanguageDep, RedisDep, SessionDep, SettingsDep
from lapor.http.errors import field_label
from lapor.http.security import CSRF_FIELD, csrf_valid
from lapor.http.submission import accept_submission, read_fields
from lapor.i18n import LANGUAGES, translate
from lapor.services import intake, lookup
from lapor.services.following import NotPublic, private_shell
from lapor.services.views import iso_utc
from lapor.web.render import render

router = APIRouter(include_in_schema=False)

PROGRESS = [Status.QUEUED, Status.PENDING, Status.IN_PROGRESS, Status.RESOLVED]
FORM_FIELDS = ("reporter_name", "reporter_contact", "category", "room", "location", "description", "priority")


async def _categories(request: Request, language: str) -> list[dict[str, str]]:
    items = await request.app.state.categories.items()
    return [{"slug": c["slug"], "name": c["name_en"] if language == "en" else c["name_id"]} for c in items]


async def _form_page(
    request: Request,
    language: str,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    max_photo_bytes = request.app.state.settings.max_photo_bytes
    return render(
        request,
        "report_form.html",
        {
            "categories": await _categories(request, language),
            "priorities": [p.value for p in Priority],
            "values": values,
            "errors": errors,
            "error_summary": [(field, message) for field, message in errors.items()],
            # One key per rendered form: a double click (or a retry after a lost answer) sends the
            # same key twice, and the API answers the second time with the first report.
            "idempotency_key": secrets.token_urlsafe(24),
            "max_photo_bytes": max_photo_bytes,
            "max_photo_mb": max_photo_bytes // (1024 * 1024),
        },
        status_code=status_code,
    )


@router.get("/")
async def report_form(
    request: Request, language: LanguageDep, location: str = "", room: str = ""
) -> Response:
    """The report form; ``?room=`` (from a room page) and ``?location=`` fill in the place."""
    values = {"location": location[:200], "room": room[:120], "priority": "normal"}
    return await _form_page(request, language, values=values)


@router.post("/")
async def submit_form(
    request: Request, settings: SettingsDep, redis: RedisDep, language: LanguageDep
) -> Response:
    """The form without JavaScript: a plain POST that redirects to the tracking page."""
    fields, raw_photo = await read_fields(request, settings)
    values: dict[str, Any] = {name: fields.get(name, "") for name in FORM_FIELDS}
    values["photo_lost"] = raw_photo is not None  # a browser cannot refill a file input
    if not csrf_valid(request, settings, fields.get(CSRF_FIELD)):
        errors = {"form": translate("error.csrf", language)}
        return await _form_page(request, language, values=values, errors=errors, status_code=403)
    if getattr(request.state, "photo_too_large", False):  # see lapor.http.form_overflow
        return await _photo_too_large(request, language, settings, values)
    try:
        submission = intake.parse_submission(fields)
        photo = intake.check_photo(raw_photo, settings)
        submitted = await accept_submission(
            request, submission, photo, fields.get("idempotency_key") or None, language
        )
    except ValidationFailed as exc:
        errors = {
            field: translate(key, language, field=field_label(field, language), **params)
            for field, key, params in exc.problems
        }
        return await _form_page(request, language, values=values, errors=errors, status_code=422)
    except PayloadTooLarge as exc:
        errors = {"photo": translate(exc.message_key, language, **exc.params)}
        return await _form_page(request, language, values=values, errors=errors, status_code=413)
    except LaporError as exc:
        # A limit (429) or a busy service (503) is a page that says when to send again, as the
        # Retry-After header does for a program.
        errors = {"form": translate(exc.message_key, language, **exc.params)}
        page = await _form_page(request, language, values=values, errors=errors, status_code=exc.status_code)
        if "seconds" in exc.params:
            page.headers["Retry-After"] = str(exc.params["seconds"])
        return page
    answer = submitted.answer
    # The token travels in the fragment: browsers never send it to a server or put it in a Referer.
    return RedirectResponse(f"/r/{answer['id']}#token={quote(answer['tracking_token'])}", status_code=303)


async def _photo_too_large(
    request: Request, language: str, settings: Settings, values: dict[str, Any]
) -> Response:
    """The form again, as typed, with the photo's size named: the photo itself was not kept."""
    max_mb = settings.max_photo_bytes // (1024 * 1024)
    errors = {"photo": translate("photo.too_large", language, max_mb=max_mb)}
    values = {**values, "photo_lost": True}
    return await _form_page(request, language, values=values, errors=errors, status_code=413)


@router.get("/r/{report_id}")
async def tracking_page(
    report_id: str, request: Request, session: SessionDep, redis: RedisDep, language: LanguageDep
) -> Response:
    """The public view; the page's script asks for the reporter's view with the tracking token,
    which stays in the browser (the address's fragment, then localStorage)."""
    private = False
    try:
        report = await lookup.report_view(session, redis, report_id, language=language, staff=False)
    except NotPublic:
        # Hidden, or of a never-public category: a page that shows nothing of it (and says 404),
        # whose script asks for the reporter's view with the token this browser may hold.
        report, private = private_shell(report_id, language), True
    except NotFound:
        return render(request, "not_found.html", status_code=404)
    categories = {c["slug"]: c["name"] for c in await _categories(request, language)}
    status = Status(report["status"])
    reached = PROGRESS.index(status) if status in PROGRESS else -1
    timeline = [{**entry, "at": _iso(entry["at"])} for entry in report.get("timeline", [])]
    timeline = _with_acceptance(timeline, _iso(report["created_at"]))
    return render(
        request,
        "track.html",
        {
            "report": report,
            "created_at": _iso(report["created_at"]),
            "updated_at": _iso(report["updated_at"]),
            "timeline": timeline,
            "rejection": _rejection_reason(timeline) if status == Status.REJECTED else None,
            "category_name": categories.get(report["category"], report["category"]),
            "progress": [
                {"status": s.value, "done": i <= reached, "current": i == reached}
                for i, s in enumerate(PROGRESS)
            ],
            "kept": report.get("kept"),
            "private": private,
        },
        status_code=404 if private else 200,
    )


def _iso(value: datetime | str) -> str:
    """A time as the JSON answers write it (views already hold strings)."""
    return value if isinstance(value, str) else iso_utc(value)


def _with_acceptance(timeline: list[dict[str, Any]], created_at: str) -> list[dict[str, Any]]:
    """The timeline from "accepted and queued" on, also once the worker has stored the report.

    A stored report's timeline starts when the worker wrote it; the moment the API accepted it (the
    report's creation time) was shown only to a page that was open while it was queued.
    """
    if any(entry["kind"] == "queued" for entry in timeline):
        return timeline
    accepted = {
        "at": created_at,
        "kind": "queued",
        "status": "queued",
        "from_status": None,
        "note": None,
        "by": None,
    }
    return [accepted, *timeline]


def _rejection_reason(timeline: list[dict[str, Any]]) -> str | None:
    for entry in reversed(timeline):
        if entry["kind"] == "status" and entry["status"] == Status.REJECTED.value:
            note: str | None = entry["note"]
            return note
    return None


@router.get("/lang/{code}")
async def switch_language(code: str, request: Request, next: str = "/") -> Response:
    """Remember the chosen language in a cookie and go back where the visitor was."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if code in LANGUAGES:
        secure = request.url.scheme == "https"
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    return response

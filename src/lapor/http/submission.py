"""The report a request submits: its fields and photo as sent, and the one call that accepts it.

The JSON route, the form page and the original project's route all read a report this way and
hand it to ``lapor.services.intake.accept_report`` through ``accept_submission``."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from lapor.broker.intake_script import Submitted
from lapor.config import Settings
from lapor.errors import UnsupportedMediaType, ValidationFailed, parse_json
from lapor.http import forms
from lapor.services import intake

_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_MAX_FILES = 2
_MAX_FIELDS = 30


async def read_fields(
    request: Request, settings: Settings, *, photo_field: str = "photo"
) -> tuple[dict[str, Any], bytes | None]:
    """The submitted fields and the photo's raw bytes (if any), from a form or a JSON body."""
    header = request.headers.get("content-type", "")
    content_type = header.split(";", 1)[0].strip().lower()
    if content_type == "multipart/form-data":
        # Our own parser (lapor.http.forms), same results as request.form() at a fraction of the
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


async def accept_submission(
    request: Request,
    submission: intake.ReportSubmission,
    photo: bytes | None,
    idempotency_key: str | None,
    language: str,
) -> Submitted:
    """``intake.accept_report`` with what this app holds: its settings, clients and caches."""
    state = request.app.state
    return await intake.accept_report(
        submission,
        photo,
        settings=state.settings,
        redis=state.redis,
        categories=state.categories,
        rooms=state.rooms,
        pipe=state.intake_pipe,
        client_host=request.client.host if request.client else None,
        idempotency_key=idempotency_key,
        language=language,
    )

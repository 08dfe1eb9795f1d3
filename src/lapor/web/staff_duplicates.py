"""The staff report page's duplicate forms: merge this report into another, hide it or show it.

Posted forms, CSRF-checked like the page's other forms (``web/staff.staff_form``); they send the
same commands as ``PATCH /api/reports/{id}`` through the same service functions."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lapor.errors import LaporError, ValidationFailed
from lapor.http.deps import RedisDep, SessionDep, SettingsDep
from lapor.services import duplicates, lookup
from lapor.web.render import render
from lapor.web.staff_session import PageStaff, staff_form

router = APIRouter(prefix="/staff", include_in_schema=False)


def refusal_key(exc: LaporError) -> str:
    """The catalogue key of why a merge was refused: the page shows only a key it knows."""
    if isinstance(exc, ValidationFailed):
        return exc.problems[0][1] if exc.problems else exc.message_key
    return exc.message_key


@router.post("/reports/{report_id}/merge")
async def merge(
    report_id: str,
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Response:
    fields = await staff_form(request, user, settings)
    if fields is None or user is None:
        return render(request, "forbidden.html", status_code=403)
    report_id = await lookup.require_report(session, redis, report_id)
    try:
        command = await duplicates.send_merge(
            session,
            redis,
            settings,
            user,
            report_id,
            into=(fields.get("into") or "")[:64],
            note=(fields.get("note") or "").strip()[:2000] or None,
        )
    except LaporError as exc:
        # Back to the page, saying why (the target changed since the page was shown, say).
        refusal = quote(refusal_key(exc))
        return RedirectResponse(f"/staff/reports/{report_id}?refused={refusal}", status_code=303)
    return RedirectResponse(f"/staff/reports/{report_id}?sent={command.command_id}", status_code=303)


@router.post("/reports/{report_id}/hide")
async def hide(
    report_id: str,
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Response:
    fields = await staff_form(request, user, settings)
    if fields is None or user is None:
        return render(request, "forbidden.html", status_code=403)
    hidden = fields.get("hidden") == "true"
    command = await duplicates.send_hide(session, redis, settings, user, report_id, hidden=hidden)
    return RedirectResponse(f"/staff/reports/{command.report_id}?sent={command.command_id}", status_code=303)

"""The staff's pages: sign-in, the live dashboard, a report's detail, the system view."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from lapor.auth import revocation
from lapor.auth.signin import sign_in
from lapor.auth.tokens import TokenClaims
from lapor.broker import event_stream
from lapor.broker.stats import broker_stats
from lapor.config import Settings
from lapor.domain.enums import OPEN_STATUSES, Priority, Role, Status
from lapor.domain.merging import REFUSALS
from lapor.domain.transitions import next_statuses
from lapor.errors import DATABASE_ERRORS, LaporError, NotFound, ServiceUnavailable, TooManyRequests
from lapor.http.deps import REDIS_ERRORS, LanguageDep, RedisDep, SessionDep, SettingsDep
from lapor.http.security import (
    CSRF_FIELD,
    cross_site,
    csrf_valid,
    end_session,
    session_claims,
    start_session,
)
from lapor.i18n import translate
from lapor.services import duplicates, lookup
from lapor.services.reports import send_change, send_comment
from lapor.services.sla import is_overdue
from lapor.services.views import as_time, iso_utc, public_report
from lapor.store import places_queries, queries
from lapor.web.contact import contact_links
from lapor.web.render import render
from lapor.web.staff_session import PageStaff, staff_form

router = APIRouter(prefix="/staff", include_in_schema=False)
MERGE_REFUSALS = {*REFUSALS, "merge.unknown_target", "error.report_not_found"}


def age_text(since: datetime, now: datetime, language: str) -> str:
    """How long a report has waited, in the largest whole unit: "3 jam", "2 days"."""
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 1:
        return translate("staff.age.now", language)
    if minutes < 60:
        return translate("staff.age.minutes", language, n=minutes)
    if minutes < 48 * 60:
        return translate("staff.age.hours", language, n=minutes // 60)
    return translate("staff.age.days", language, n=minutes // (24 * 60))


def short_time(at: datetime) -> str:
    """A time for the page without JavaScript (the script shows it in the reader's own zone)."""
    return at.astimezone(UTC).strftime("%d-%m-%Y %H:%M UTC")


async def category_names(request: Request, language: str) -> list[dict[str, str]]:
    return [
        {"slug": c["slug"], "name": c["name_en"] if language == "en" else c["name_id"]}
        for c in await request.app.state.categories.items()
    ]


class DashboardFilters:
    """The dashboard's filters, from its query string; open reports by default."""

    def __init__(
        self,
        status: Annotated[str, Query(max_length=20)] = "open",
        priority: Annotated[str, Query(max_length=20)] = "",
        category: Annotated[str, Query(max_length=40)] = "",
        q: Annotated[str, Query(max_length=200)] = "",
        building: Annotated[str, Query(max_length=20)] = "",
        room: Annotated[str, Query(max_length=20)] = "",
        sort: Annotated[str, Query(max_length=20)] = "priority",
    ) -> None:
        self.status, self.priority, self.category, self.q = status, priority, category, q.strip()
        # Codes match in any case; a code that cannot be one filters to nothing rather than failing.
        self.building, self.room = building.strip().upper(), room.strip().upper()
        # Emergencies first (the order to work in), or the most supported first ("me too").
        self.sort: queries.SortOrder = "me_too" if sort == "me_too" else "priority"

    def to_query(self) -> queries.ReportFilters:
        statuses: list[Status] | None
        if self.status == "open":
            statuses = sorted(OPEN_STATUSES)
        elif self.status in {s.value for s in Status}:
            statuses = [Status(self.status)]
        else:
            statuses = None
        priorities = [Priority(self.priority)] if self.priority in {p.value for p in Priority} else None
        return queries.ReportFilters(
            status=statuses,
            priority=priorities,
            category=self.category or None,
            q=self.q or None,
            building=self.building or None,
            room=self.room or None,
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "status": self.status,
            "priority": self.priority,
            "category": self.category,
            "q": self.q,
            "building": self.building,
            "room": self.room,
            "sort": self.sort,
        }


async def _rows(
    session: SessionDep,
    settings: Settings,
    filters: DashboardFilters,
    language: str,
    categories: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """Emergencies first, then the oldest: the order a technician should work in (or, asked for,
    the most supported first)."""
    reports, _ = await queries.list_reports(session, filters=filters.to_query(), sort=filters.sort, limit=100)
    names = await queries.display_names(session, user_ids={r.assignee_id for r in reports if r.assignee_id})
    rooms = await places_queries.room_refs(session, codes={r.room_code for r in reports if r.room_code})
    category_name = {c["slug"]: c["name"] for c in categories}
    now = datetime.now(UTC)
    rows = []
    for report in reports:
        view = public_report(
            report,
            assignee=names.get(report.assignee_id) if report.assignee_id else None,
            timeline=None,
            language=language,
            staff=True,
            room=rooms.get(report.room_code) if report.room_code else None,
        )
        view["overdue"] = is_overdue(view, settings, now)
        view["category_name"] = category_name.get(report.category, report.category)
        view["created_iso"] = iso_utc(as_time(view["created_at"]))
        view["created_text"] = short_time(as_time(view["created_at"]))
        view["age"] = age_text(as_time(view["created_at"]), now, language)
        # Changes when anything shown in the row changes: the live refresh highlights those rows.
        view["stamp"] = f"{iso_utc(as_time(view['updated_at']))}/{view['overdue']:d}/{view.get('me_too', 0)}"
        rows.append(view)
    return rows


async def _table(
    request: Request,
    session: SessionDep,
    settings: Settings,
    filters: DashboardFilters,
    language: str,
) -> dict[str, Any]:
    """What the dashboard and its live refresh share: the rows and the counts above them."""
    categories = await category_names(request, language)
    counts = await queries.status_counts(session)
    return {
        "rows": await _rows(session, settings, filters, language, categories),
        "counts": counts,
        "open_count": sum(counts.get(s.value, 0) for s in OPEN_STATUSES),
        "filters": filters.as_dict(),
        "categories": categories,
        "statuses": [s.value for s in Status if s != Status.QUEUED],
    }


@router.get("")
async def dashboard(
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
    filters: Annotated[DashboardFilters, Depends()],
) -> Response:
    if user is None:
        return render(request, "staff_login.html", {"error": None, "username": ""})
    # The event cursor is read before the rows: the page's stream resumes from it, so a change
    # committed while the page was being built still reaches it.
    cursor = await event_stream.last_event_id(redis)
    return render(
        request,
        "staff_dashboard.html",
        {
            "user": user,
            "events_cursor": cursor,
            "priorities": [p.value for p in Priority],
            **await _table(request, session, settings, filters, language),
        },
    )


@router.get("/partials/rows")
async def dashboard_rows(
    request: Request,
    user: PageStaff,
    session: SessionDep,
    settings: SettingsDep,
    language: LanguageDep,
    filters: Annotated[DashboardFilters, Depends()],
) -> Response:
    """The table body and the counts, for the dashboard's live refresh."""
    if user is None:
        return Response(status_code=401)
    return render(request, "staff_rows.html", await _table(request, session, settings, filters, language))


@router.get("/login")
async def login_page(request: Request, user: PageStaff) -> Response:
    """The sign-in form at the form's own address (people bookmark it, browsers reload it)."""
    if user is not None:
        return RedirectResponse("/staff", status_code=303)
    return render(request, "staff_login.html", {"error": None, "username": ""})


@router.post("/login")
async def login(
    request: Request, session: SessionDep, redis: RedisDep, settings: SettingsDep, language: LanguageDep
) -> Response:
    form = await request.form()
    username = str(form.get("username", "")).strip()[:64]
    password = str(form.get("password", ""))[:1024]
    if not csrf_valid(request, settings, str(form.get(CSRF_FIELD, ""))):
        return render(
            request,
            "staff_login.html",
            {"error": translate("error.csrf", language), "username": username},
            status_code=403,
        )
    client_ip = request.client.host if request.client else "unknown"
    try:
        user = await sign_in(
            session, redis, settings, username=username, password=password, client_ip=client_ip
        )
    except TooManyRequests as exc:
        message = translate(exc.message_key, language, **exc.params)
        page = render(request, "staff_login.html", {"error": message, "username": username}, status_code=429)
        page.headers["Retry-After"] = str(exc.params["seconds"])
        return page
    except LaporError:
        message = translate("auth.invalid_credentials", language)
        return render(request, "staff_login.html", {"error": message, "username": username}, status_code=401)
    response = RedirectResponse("/staff", status_code=303)
    start_session(request, response, user, settings)
    return response


async def _session_form(request: Request, settings: Settings) -> TokenClaims | None:
    """The claims of the session a sign-out form was posted from; None when it has none, or when
    the form's CSRF token is wrong or it comes from another site (nothing is signed out then)."""
    form = await request.form()
    claims = session_claims(request, settings)
    if (
        claims is None
        or cross_site(request)
        or not csrf_valid(request, settings, str(form.get(CSRF_FIELD, "")))
    ):
        return None
    return claims


@router.post("/logout")
async def logout(request: Request, redis: RedisDep, settings: SettingsDep) -> Response:
    """Sign out this browser: its session token is revoked, so a copy of the cookie is refused too."""
    claims = await _session_form(request, settings)
    response = RedirectResponse("/staff", status_code=303)
    if claims is not None:
        expires_at = claims.expires_at(settings.token_max_age_seconds)
        try:
            await revocation.revoke_token(redis, token_id=claims.token_id, expires_at=expires_at)
        except REDIS_ERRORS as exc:  # not signed out: say so rather than pretend
            raise ServiceUnavailable("auth.unavailable") from exc
        end_session(response)
    return response


@router.post("/logout-all")
async def logout_all(request: Request, user: PageStaff, redis: RedisDep, settings: SettingsDep) -> Response:
    """Sign out everywhere: every session and bearer token of this staff member issued until now."""
    claims = await _session_form(request, settings)
    if claims is None or user is None:
        return render(request, "forbidden.html", status_code=403)
    max_age = settings.token_max_age_seconds
    try:
        await revocation.revoke_user_before(redis, user_id=claims.user_id, max_token_age=max_age)
    except REDIS_ERRORS as exc:
        raise ServiceUnavailable("auth.unavailable") from exc
    response = RedirectResponse("/staff", status_code=303)
    end_session(response)
    return response


@router.get("/reports/{report_id}")
async def report_detail(
    report_id: str,
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
    sent: Annotated[str, Query(max_length=36)] = "",
    refused: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    if user is None:
        return RedirectResponse("/staff", status_code=303)
    cursor = await event_stream.last_event_id(redis)  # before the read: see dashboard()
    try:
        report = await lookup.report_view(session, redis, report_id, language=language, staff=True)
    except NotFound:
        return render(request, "not_found.html", status_code=404)
    status = Status(report["status"])
    stored = await queries.get_report(session, report_id=report["id"]) if status != Status.QUEUED else None
    staff = await queries.list_staff(session)
    categories = {c["slug"]: c["name"] for c in await category_names(request, language)}
    now = datetime.now(UTC)
    return render(
        request,
        "staff_report.html",
        {
            "user": user,
            "report": report,
            "events_cursor": cursor,
            "category_name": categories.get(report["category"], report["category"]),
            "contact_links": contact_links(report.get("reporter_contact")),
            "created_iso": iso_utc(as_time(report["created_at"])),
            "created_text": short_time(as_time(report["created_at"])),
            "age": age_text(as_time(report["created_at"]), now, language),
            "timeline": [timeline_row(entry, language) for entry in report.get("timeline", [])],
            "overdue": status != Status.QUEUED and is_overdue(report, settings, now),
            "next_statuses": [s.value for s in next_statuses(status, Role(user.role))],
            "priorities": [p.value for p in Priority],
            "staff": [{"username": u.username, "name": u.display_name} for u in staff],
            "assignee_username": next(
                (u.username for u in staff if stored is not None and u.id == stored.assignee_id), ""
            ),
            "sent": await sent_outcome(session, sent, language) if sent else None,
            "duplicates": await duplicates.staff_panel(session, report["id"]),
            # A merge the page's form sent and the API refused: shown only by a key it knows.
            "refused": translate(refused, language) if refused in MERGE_REFUSALS else None,
        },
    )


async def sent_outcome(session: SessionDep, command_id: str, language: str) -> dict[str, str] | None:
    """What became of the change this page was sent after: applied, refused (and why), or not yet
    known; the worker records every command it applied, with the events it produced. While it is
    not known, the page's script asks again (``?sent=``) when the report changes."""
    try:
        command_id = str(uuid.UUID(command_id))
    except ValueError:
        return None
    try:
        stored = await queries.processed_command(session, command_id=command_id)
    except DATABASE_ERRORS:
        stored = None
    if stored is None:
        return {"state": "sent", "command": command_id, "text": translate("staff.report.sent", language)}
    refused = [event for event in stored.events if event.get("type") == "refused"]
    if refused:
        note = refused[0].get("note")
        text = translate(str(note), language) if note else translate("staff.report.refused", language)
        return {"state": "refused", "text": text}
    return {"state": "updated", "text": translate("staff.report.updated", language)}


def timeline_row(entry: dict[str, Any], language: str) -> dict[str, Any]:
    """A timeline entry as the staff read it; a priority change's note ("normal → emergency") in words."""
    at = as_time(entry["at"])
    row = {**entry, "at_iso": iso_utc(at), "at_text": short_time(at)}
    if entry["kind"] == "priority" and entry.get("note") and " → " in entry["note"]:
        old, _, new = entry["note"].partition(" → ")
        row["note"] = " → ".join(translate(f"staff.priority.{p}", language) for p in (old, new))
    return row


@router.post("/reports/{report_id}/change")
async def change(
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
    status = fields.get("status") or None
    priority = fields.get("priority") or None
    command = await send_change(
        session,
        redis,
        settings,
        user,
        report_id,
        status=Status(status) if status in {s.value for s in Status} - {Status.QUEUED.value} else None,
        priority=Priority(priority) if priority in {p.value for p in Priority} else None,
        assignee=fields["assignee"][:64] if "assignee" in fields else None,
        note=(fields.get("note") or "").strip()[:2000] or None,
    )
    return RedirectResponse(f"/staff/reports/{command.report_id}?sent={command.command_id}", status_code=303)


@router.post("/reports/{report_id}/comment")
async def comment(
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
    body = (fields.get("body") or "").strip()[:4000]
    if not body:
        report_id = await lookup.require_report(session, redis, report_id)
        return RedirectResponse(f"/staff/reports/{report_id}", status_code=303)
    command = await send_comment(session, redis, settings, user, report_id, body)
    return RedirectResponse(f"/staff/reports/{command.report_id}?sent={command.command_id}", status_code=303)


@router.get("/system")
async def system(request: Request, user: PageStaff, redis: RedisDep) -> Response:
    if user is None:
        return RedirectResponse("/staff", status_code=303)
    if user.role != Role.ADMIN.value:
        return render(request, "forbidden.html", status_code=403)
    return render(request, "staff_system.html", {"user": user, "stats": await broker_stats(redis)})

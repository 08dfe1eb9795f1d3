"""The staff's pages: sign-in, the live dashboard, a report's detail, the system view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from lapor.api import lookup
from lapor.api.deps import LanguageDep, RedisDep, SessionDep, SettingsDep, optional_staff
from lapor.api.errors import LaporError, NotFound, TooManyRequests
from lapor.api.routes.reports import _send, actor_of
from lapor.api.views import public_report
from lapor.auth.signin import sign_in
from lapor.broker.stats import broker_stats
from lapor.config import Settings
from lapor.domain.commands import AddComment, UpdateReport
from lapor.domain.enums import OPEN_STATUSES, Priority, Role, Status
from lapor.domain.transitions import next_statuses
from lapor.i18n import translate
from lapor.store import queries
from lapor.store.models import User
from lapor.web.render import render
from lapor.web.security import CSRF_FIELD, csrf_valid, end_session, start_session

router = APIRouter(prefix="/staff", include_in_schema=False)


async def page_staff(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    """The signed-in staff member, or None (a page shows the sign-in form instead of an error)."""
    try:
        return await optional_staff(request, session, settings)
    except LaporError:
        return None


PageStaff = Annotated[User | None, Depends(page_staff)]


def sla_hours(settings: Settings, priority: str) -> float:
    return {
        Priority.EMERGENCY.value: settings.sla_emergency_hours,
        Priority.MEDIUM.value: settings.sla_medium_hours,
    }.get(priority, settings.sla_normal_hours)


def is_overdue(view: dict[str, Any], settings: Settings, now: datetime) -> bool:
    if Status(view["status"]) not in OPEN_STATUSES:
        return False
    return bool(view["created_at"] + timedelta(hours=sla_hours(settings, view["priority"])) < now)


class DashboardFilters:
    """The dashboard's filters, from its query string; open reports by default."""

    def __init__(
        self,
        status: Annotated[str, Query(max_length=20)] = "open",
        priority: Annotated[str, Query(max_length=20)] = "",
        category: Annotated[str, Query(max_length=40)] = "",
        q: Annotated[str, Query(max_length=200)] = "",
    ) -> None:
        self.status, self.priority, self.category, self.q = status, priority, category, q.strip()

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
            status=statuses, priority=priorities, category=self.category or None, q=self.q or None
        )

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "priority": self.priority, "category": self.category, "q": self.q}


async def _rows(
    session: SessionDep, settings: Settings, filters: DashboardFilters, language: str
) -> list[dict[str, Any]]:
    """Emergencies first, then the oldest: the order a technician should work in."""
    reports, _ = await queries.list_reports(session, filters=filters.to_query(), sort="priority", limit=100)
    names = await queries.display_names(session, user_ids={r.assignee_id for r in reports if r.assignee_id})
    now = datetime.now(UTC)
    rows = []
    for report in reports:
        view = public_report(
            report,
            assignee=names.get(report.assignee_id) if report.assignee_id else None,
            timeline=None,
            language=language,
            staff=True,
        )
        view["overdue"] = is_overdue(view, settings, now)
        rows.append(view)
    return rows


@router.get("")
async def dashboard(
    request: Request,
    user: PageStaff,
    session: SessionDep,
    settings: SettingsDep,
    language: LanguageDep,
    filters: Annotated[DashboardFilters, Depends()],
) -> Response:
    if user is None:
        return render(request, "staff_login.html", {"error": None, "username": ""})
    categories = await request.app.state.categories.items()
    return render(
        request,
        "staff_dashboard.html",
        {
            "user": user,
            "rows": await _rows(session, settings, filters, language),
            "counts": await queries.status_counts(session),
            "filters": filters.as_dict(),
            "categories": [
                {"slug": c["slug"], "name": c["name_en"] if language == "en" else c["name_id"]}
                for c in categories
            ],
            "statuses": [s.value for s in Status if s != Status.QUEUED],
            "priorities": [p.value for p in Priority],
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
    """The table body alone, for the dashboard's live refresh."""
    if user is None:
        return Response(status_code=401)
    return render(request, "staff_rows.html", {"rows": await _rows(session, settings, filters, language)})


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
        user = await sign_in(session, redis, username=username, password=password, client_ip=client_ip)
    except TooManyRequests as exc:
        message = translate(exc.message_key, language, **exc.params)
        return render(request, "staff_login.html", {"error": message, "username": username}, status_code=429)
    except LaporError:
        message = translate("auth.invalid_credentials", language)
        return render(request, "staff_login.html", {"error": message, "username": username}, status_code=401)
    response = RedirectResponse("/staff", status_code=303)
    start_session(request, response, user, settings)
    return response


@router.post("/logout")
async def logout(request: Request, settings: SettingsDep) -> Response:
    form = await request.form()
    response = RedirectResponse("/staff", status_code=303)
    if csrf_valid(request, settings, str(form.get(CSRF_FIELD, ""))):
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
    sent: bool = False,
) -> Response:
    if user is None:
        return RedirectResponse("/staff", status_code=303)
    try:
        report = await lookup.report_view(session, redis, report_id, language=language, staff=True)
    except NotFound:
        return render(request, "not_found.html", status_code=404)
    status = Status(report["status"])
    return render(
        request,
        "staff_report.html",
        {
            "user": user,
            "report": report,
            "overdue": status != Status.QUEUED and is_overdue(report, settings, datetime.now(UTC)),
            "next_statuses": [s.value for s in next_statuses(status, Role(user.role))],
            "priorities": [p.value for p in Priority],
            "staff": [
                {"username": u.username, "name": u.display_name} for u in await queries.list_staff(session)
            ],
            "sent": sent,
        },
    )


async def _staff_form(request: Request, user: User | None, settings: Settings) -> dict[str, str] | None:
    """The posted form, or None when the sender is not signed in or the CSRF token is wrong."""
    form = await request.form()
    fields = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    if user is None or not csrf_valid(request, settings, fields.get(CSRF_FIELD)):
        return None
    return fields


@router.post("/reports/{report_id}/change")
async def change(
    report_id: str,
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Response:
    fields = await _staff_form(request, user, settings)
    if fields is None or user is None:
        return render(request, "forbidden.html", status_code=403)
    report_id = await lookup.require_report(session, redis, report_id)
    status = fields.get("status") or None
    priority = fields.get("priority") or None
    command = UpdateReport(
        report_id=report_id,
        actor=actor_of(user),
        status=Status(status) if status in {s.value for s in Status} - {Status.QUEUED.value} else None,
        priority=Priority(priority) if priority in {p.value for p in Priority} else None,
        assignee=fields["assignee"][:64] if "assignee" in fields else None,
        note=(fields.get("note") or "").strip()[:2000] or None,
    )
    await _send(redis, command, settings)
    return RedirectResponse(f"/staff/reports/{report_id}?sent=1", status_code=303)


@router.post("/reports/{report_id}/comment")
async def comment(
    report_id: str,
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Response:
    fields = await _staff_form(request, user, settings)
    if fields is None or user is None:
        return render(request, "forbidden.html", status_code=403)
    report_id = await lookup.require_report(session, redis, report_id)
    body = (fields.get("body") or "").strip()[:4000]
    if body:
        await _send(redis, AddComment(report_id=report_id, actor=actor_of(user), body=body), settings)
    return RedirectResponse(f"/staff/reports/{report_id}?sent=1", status_code=303)


@router.get("/system")
async def system(request: Request, user: PageStaff, redis: RedisDep) -> Response:
    if user is None:
        return RedirectResponse("/staff", status_code=303)
    if user.role != Role.ADMIN.value:
        return render(request, "forbidden.html", status_code=403)
    return render(request, "staff_system.html", {"user": user, "stats": await broker_stats(redis)})

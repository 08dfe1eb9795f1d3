"""The office's own pages (admins): staff accounts, categories, the audit log; and the page of a
one-time link where a new member chooses their password. Every change goes through the same
service functions as /api/admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from lapor.domain.enums import STAFF_ROLES, Priority, Role
from lapor.errors import LaporError, ValidationFailed
from lapor.http.deps import LanguageDep, RedisDep, SessionDep, SettingsDep
from lapor.http.security import CSRF_FIELD, SESSION_COOKIE, cross_site, csrf_valid, session_cookie_settings
from lapor.i18n import translate
from lapor.services import accounts, office
from lapor.services.views import iso_utc
from lapor.store.accounts_queries import AuditFilters
from lapor.store.models import User
from lapor.web.render import render
from lapor.web.staff_session import PageStaff

router = APIRouter(prefix="/staff", include_in_schema=False)


def _message(exc: LaporError, language: str) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(translate(key, language, **params) for _f, key, params in exc.problems)
    return translate(exc.message_key, language, **exc.params)


async def _form(request: Request, settings: SettingsDep) -> dict[str, str] | None:
    """The posted fields; None when the CSRF token is wrong or the form comes from another site."""
    form = await request.form()
    fields = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    if cross_site(request) or not csrf_valid(request, settings, fields.get(CSRF_FIELD)):
        return None
    return fields


def _not_admin(request: Request, user: User | None) -> Response | None:
    if user is None:
        return RedirectResponse("/staff", status_code=303)
    if user.role != Role.ADMIN.value:
        return render(request, "forbidden.html", status_code=403)
    return None


async def _users_page(
    request: Request,
    user: User,
    session: SessionDep,
    *,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The accounts page; ``extra`` shows a one-time link just made, or why a change was refused."""
    context = {
        "user": user,
        "users": await office.list_users(session=session),
        "roles": [r.value for r in STAFF_ROLES],
        "link": None,
        "error": None,
        "done": request.query_params.get("done") == "1",
        **(extra or {}),
    }
    return render(request, "staff_users.html", context, status_code=status)


@router.get("/users")
async def users_page(request: Request, user: PageStaff, session: SessionDep) -> Response:
    refused = _not_admin(request, user)
    if refused is not None or user is None:
        return refused or RedirectResponse("/staff", status_code=303)
    return await _users_page(request, user, session)


@router.post("/users/invite")
async def invite(
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
) -> Response:
    refused = _not_admin(request, user)
    fields = await _form(request, settings)
    if refused is not None or user is None or fields is None:
        return refused or render(request, "forbidden.html", status_code=403)
    username = fields.get("username", "").strip().lower()[:64]
    name = fields.get("display_name", "").strip()[:120] or username
    role = fields.get("role", "")
    try:
        if role not in {r.value for r in STAFF_ROLES}:
            raise ValidationFailed([("role", "field.invalid", {"field": "role"})])
        link = await accounts.invite(
            session=session,
            redis=redis,
            settings=settings,
            admin=user,
            username=username,
            display_name=name,
            role=Role(role),
        )
    except LaporError as exc:
        problem = {"error": _message(exc, language)}
        return await _users_page(request, user, session, extra=problem, status=exc.status_code)
    shown = {"url": link.url, "name": name, "expires": iso_utc(link.expires_at)}
    return await _users_page(request, user, session, extra={"link": shown}, status=202)


@router.post("/users/{user_id}")
async def change_user(
    user_id: int,
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
) -> Response:
    """One form per account: save role and name, deactivate, reactivate, or a new password link."""
    refused = _not_admin(request, user)
    fields = await _form(request, settings)
    if refused is not None or user is None or fields is None:
        return refused or render(request, "forbidden.html", status_code=403)
    action = fields.get("action", "save")
    try:
        if action == "reset":
            link = await accounts.reset(
                session=session, redis=redis, settings=settings, admin=user, user_id=user_id
            )
            target = await accounts.require_user(session=session, user_id=user_id)
            shown = {"url": link.url, "name": target.display_name, "expires": iso_utc(link.expires_at)}
            return await _users_page(request, user, session, extra={"link": shown}, status=202)
        role = fields.get("role")
        await accounts.change(
            session=session,
            redis=redis,
            settings=settings,
            admin=user,
            user_id=user_id,
            role=Role(role) if action == "save" and role in {r.value for r in STAFF_ROLES} else None,
            display_name=(fields.get("display_name", "").strip()[:120] or None) if action == "save" else None,
            active={"deactivate": False, "reactivate": True}.get(action),
        )
    except LaporError as exc:
        problem = {"error": _message(exc, language)}
        return await _users_page(request, user, session, extra=problem, status=exc.status_code)
    return RedirectResponse("/staff/users?done=1", status_code=303)


@router.get("/join")
async def join_page(
    request: Request,
    session: SessionDep,
    language: LanguageDep,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The one-time link's page: choose a password (the token stays in the form, never logged)."""
    try:
        _link, member = await accounts.check_link(session=session, token=token)
    except LaporError as exc:
        context = {"error": _message(exc, language), "token": "", "member": None, "done": False}
        return render(request, "staff_join.html", context, status_code=exc.status_code)
    return render(
        request, "staff_join.html", {"error": None, "token": token, "member": member, "done": False}
    )


@router.post("/join")
async def join(
    request: Request, session: SessionDep, redis: RedisDep, settings: SettingsDep, language: LanguageDep
) -> Response:
    fields = await _form(request, settings)
    if fields is None:
        return render(request, "forbidden.html", status_code=403)
    token = fields.get("token", "")[:200]
    try:
        member = await accounts.accept(
            session=session,
            redis=redis,
            settings=settings,
            token=token,
            password=fields.get("password", "")[:1024],
        )
    except LaporError as exc:
        shown: User | None
        try:
            _link, shown = await accounts.check_link(session=session, token=token)
        except LaporError:
            token, shown = "", None
        context = {"error": _message(exc, language), "token": token, "member": shown, "done": False}
        return render(request, "staff_join.html", context, status_code=exc.status_code)
    return render(request, "staff_join.html", {"error": None, "token": "", "member": member, "done": True})


@router.get("/categories")
async def categories_page(request: Request, user: PageStaff, session: SessionDep) -> Response:
    refused = _not_admin(request, user)
    if refused is not None or user is None:
        return refused or RedirectResponse("/staff", status_code=303)
    context = {
        "user": user,
        "categories": await office.list_categories(session=session),
        "priorities": [p.value for p in Priority],
        "error": None,
        "done": request.query_params.get("done") == "1",
    }
    return render(request, "staff_categories.html", context)


@router.post("/categories")
async def save_category(
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
) -> Response:
    """Add a category (``create``) or change one (names, default priority, order, retire/restore,
    never public or not)."""
    refused = _not_admin(request, user)
    fields = await _form(request, settings)
    if refused is not None or user is None or fields is None:
        return refused or render(request, "forbidden.html", status_code=403)
    slug = fields.get("slug", "").strip().lower()[:40]
    priority = fields.get("default_priority", "normal")
    try:
        position = int(fields.get("position") or 100)
        chosen = Priority(priority) if priority in {p.value for p in Priority} else Priority.NORMAL
        if fields.get("action") == "create":
            await office.create_category(
                session=session,
                redis=redis,
                settings=settings,
                admin=user,
                slug=slug,
                name_id=fields.get("name_id", "").strip()[:80] or slug,
                name_en=fields.get("name_en", "").strip()[:80] or slug,
                default_priority=chosen,
                position=max(0, min(position, 10_000)),
            )
        else:
            changes: dict[str, Any] = {"default_priority": chosen, "position": max(0, min(position, 10_000))}
            for name in ("name_id", "name_en"):
                if fields.get(name, "").strip():
                    changes[name] = fields[name].strip()[:80]
            if fields.get("action") in ("retire", "restore"):
                changes = {"active": fields["action"] == "restore"}
            if fields.get("action") in ("private", "public"):
                changes = {"never_public": fields["action"] == "private"}
            await office.change_category(
                session=session, redis=redis, settings=settings, admin=user, slug=slug, changes=changes
            )
    except ValueError:
        return RedirectResponse("/staff/categories", status_code=303)
    except LaporError as exc:
        context = {
            "user": user,
            "categories": await office.list_categories(session=session),
            "priorities": [p.value for p in Priority],
            "error": _message(exc, language),
            "done": False,
        }
        return render(request, "staff_categories.html", context, status_code=exc.status_code)
    return RedirectResponse("/staff/categories?done=1", status_code=303)


@router.get("/audit")
async def audit_page(
    request: Request,
    user: PageStaff,
    session: SessionDep,
    action: Annotated[str, Query(max_length=40)] = "",
    target: Annotated[str, Query(max_length=120)] = "",
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    refused = _not_admin(request, user)
    if refused is not None or user is None:
        return refused or RedirectResponse("/staff", status_code=303)
    filters = AuditFilters(action=action.strip() or None, target=target.strip() or None)
    items, next_before = await office.list_audit(
        session=session, filters=filters, limit=50, before_id=before_id
    )
    context = {"user": user, "entries": items, "next_before": next_before, "action": action, "target": target}
    return render(request, "staff_audit.html", context)


@router.get("/password")
async def password_page(request: Request, user: PageStaff) -> Response:
    """Any member changes their own password here (the old one required)."""
    if user is None:
        return RedirectResponse("/staff", status_code=303)
    return render(request, "staff_password.html", {"user": user, "error": None, "done": False})


@router.post("/password")
async def change_password(
    request: Request,
    user: PageStaff,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    language: LanguageDep,
) -> Response:
    """Every other session ends; this browser gets a fresh session cookie and stays signed in."""
    fields = await _form(request, settings)
    if user is None or fields is None:
        return render(request, "forbidden.html", status_code=403)
    try:
        fresh = await accounts.change_password(
            sessions=request.app.state.sessions,
            session=session,
            redis=redis,
            settings=settings,
            user=user,
            old_password=fields.get("old_password", "")[:1024],
            new_password=fields.get("new_password", "")[:1024],
        )
    except LaporError as exc:
        context = {"user": user, "error": _message(exc, language), "done": False}
        return render(request, "staff_password.html", context, status_code=exc.status_code)
    response = render(request, "staff_password.html", {"user": user, "error": None, "done": True})
    response.set_cookie(SESSION_COOKIE, fresh, **session_cookie_settings(request, settings))
    return response

"""Every write route checks the role: a viewer gets 403 on each write, a technician 403 on each
admin action. The routes are taken from the app's own route table, so a new one cannot be forgotten:
it must be listed below as open to everyone or as one's own account, or it is tested."""

from __future__ import annotations

import re

import httpx
from fastapi.routing import APIRoute

from lapor.app import create_app
from lapor.config import Settings
from tests.factories import StaffUser, create_staff

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

# Writes anyone may make (students, the sign-in, a one-time link), or a member about their own
# account or browser: the role does not matter for them.
OPEN_OR_OWN = {
    ("POST", "/api/reports"),
    ("POST", "/api/reports/{report_id}/reopen"),
    ("POST", "/api/reports/{report_id}/me-too"),  # anyone: a student with the same problem
    ("POST", "/api/reports/{report_id}/push-subscriptions"),
    ("POST", "/api/push/unsubscribe"),
    ("POST", "/api/staff/push-subscriptions"),  # a viewer may be told of emergencies too
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/logout"),
    ("POST", "/api/auth/logout-all"),
    ("POST", "/api/auth/password"),
    ("POST", "/api/auth/invitation"),
    ("POST", "/api/lapor"),  # the original project's report form
    ("POST", "/staff/login"),
    ("POST", "/staff/logout"),
    ("POST", "/staff/logout-all"),
    ("POST", "/staff/join"),
    ("POST", "/staff/password"),
    ("POST", "/"),  # the student's report form
}


def write_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(env="test"))
    found = []
    for route in app.routes:
        # This FastAPI keeps included routers as such; each gives its routes with their full paths.
        candidates = route.effective_candidates() if hasattr(route, "effective_candidates") else [route]
        for candidate in candidates:
            methods = getattr(candidate, "methods", None) or set()
            if isinstance(candidate, APIRoute) or hasattr(candidate, "endpoint"):
                found += [(method, candidate.path) for method in sorted(set(methods) & WRITES)]
    return sorted(set(found))


def is_admin_route(path: str) -> bool:
    return path.startswith("/api/admin") or path.split("/")[1:3] in (
        ["staff", "users"],
        ["staff", "categories"],
        ["staff", "audit"],
    )


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


async def page_session(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """A browser signed in on the pages: its cookies and a form's CSRF token."""
    from tests.factories import PASSWORD

    await client.get("/staff/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', (await client.get("/staff/login")).text)
    assert csrf is not None
    login = {"username": username, "password": PASSWORD, "csrf_token": csrf.group(1)}
    assert (await client.post("/staff/login", data=login)).status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', (await client.get("/staff")).text)
    assert token is not None
    return {"csrf_token": token.group(1)}


async def call(
    client: httpx.AsyncClient, method: str, path: str, who: StaffUser, form: dict[str, str]
) -> int:
    url = concrete(path)
    if path.startswith("/staff"):
        return (await client.request(method, url, data=form)).status_code
    return (await client.request(method, url, json={}, headers=who.headers)).status_code


def test_every_write_route_is_known() -> None:
    routes = write_routes()
    assert len(routes) > 15
    assert {r for r in OPEN_OR_OWN if r not in routes} == set(), "listed routes that no longer exist"


async def test_a_viewer_gets_403_on_every_write(settings: Settings, client: httpx.AsyncClient) -> None:
    viewer = await create_staff(settings, client, username="dekan", role="viewer")
    form = await page_session(client, "dekan")
    for method, path in write_routes():
        if (method, path) in OPEN_OR_OWN:
            continue
        assert await call(client, method, path, viewer, form) == 403, (method, path)


async def test_a_technician_gets_403_on_every_admin_action(
    settings: Settings, client: httpx.AsyncClient, technician: StaffUser
) -> None:
    form = await page_session(client, "tek")
    admin_routes = [(m, p) for m, p in write_routes() if is_admin_route(p)]
    assert len(admin_routes) >= 8
    for method, path in admin_routes:
        assert await call(client, method, path, technician, form) == 403, (method, path)
    for path in ("/api/admin/users", "/api/admin/categories", "/api/admin/audit"):
        assert (await client.get(path, headers=technician.headers)).status_code == 403
    for page in ("/staff/users", "/staff/categories", "/staff/audit"):
        assert (await client.get(page)).status_code == 403

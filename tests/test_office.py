"""The office manages itself: invitations, roles, deactivation, passwords, categories, the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from redis.asyncio import Redis

from lapor.config import Settings
from lapor.services import accounts
from tests.factories import PASSWORD, StaffUser, create_staff, report_fields

Drain = Callable[[], Awaitable[object]]
NEW_PASSWORD = "kunci pintu gedung B"


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def invite(
    client: httpx.AsyncClient,
    admin: StaffUser,
    drain: Drain,
    *,
    username: str = "budi",
    role: str = "technician",
) -> str:
    answer = await client.post(
        "/api/admin/users",
        json={"username": username, "display_name": username.title(), "role": role},
        headers=admin.headers,
    )
    assert answer.status_code == 202, answer.text
    await drain()
    return str(answer.json()["link"])


async def user_id(client: httpx.AsyncClient, admin: StaffUser, username: str) -> int:
    users = (await client.get("/api/admin/users", headers=admin.headers)).json()["items"]
    return int(next(u["id"] for u in users if u["username"] == username))


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/token", json={"username": username, "password": password})


async def test_an_invited_member_chooses_a_password_once_and_signs_in(
    client: httpx.AsyncClient, admin: StaffUser, drain: Drain, settings: Settings
) -> None:
    link = await invite(client, admin, drain)
    assert link.startswith(f"{settings.resolved_public_url}/staff/join?token=")
    listed = (await client.get("/api/admin/users", headers=admin.headers)).json()["items"]
    budi = next(u for u in listed if u["username"] == "budi")
    assert budi["has_password"] is False and budi["link_expires_at"].endswith("Z")
    assert (await sign_in(client, "budi", "")).status_code == 422
    token = token_of(link)
    weak = await client.post("/api/auth/invitation", json={"token": token, "password": "short"})
    assert weak.status_code == 422 and "10" in weak.text
    ok = await client.post("/api/auth/invitation", json={"token": token, "password": NEW_PASSWORD})
    assert ok.status_code == 202, ok.text
    again = await client.post("/api/auth/invitation", json={"token": token, "password": NEW_PASSWORD})
    assert again.status_code == 409  # claimed at once, before the worker marked it used
    await drain()
    again = await client.post("/api/auth/invitation", json={"token": token, "password": NEW_PASSWORD})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    signed_in = await sign_in(client, "budi", NEW_PASSWORD)
    assert signed_in.status_code == 200
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    )
    assert me.json()["role"] == "technician"
    unknown = await client.post("/api/auth/invitation", json={"token": "x" * 43, "password": NEW_PASSWORD})
    assert unknown.status_code == 404


async def test_a_late_link_is_gone_and_a_reset_replaces_the_old_link(
    client: httpx.AsyncClient, admin: StaffUser, drain: Drain, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await invite(client, admin, drain)
    budi = await user_id(client, admin, "budi")
    reset = await client.post(f"/api/admin/users/{budi}/reset", headers=admin.headers)
    assert reset.status_code == 202
    await drain()
    old = await client.post("/api/auth/invitation", json={"token": token_of(first), "password": NEW_PASSWORD})
    assert old.status_code == 404  # replaced by the newer link
    from datetime import timedelta

    from lapor.domain import accounts as rules

    monkeypatch.setattr(rules, "INVITATION_LIFETIME", timedelta(seconds=-1))
    late = await client.post(f"/api/admin/users/{budi}/reset", headers=admin.headers)
    await drain()
    gone = await client.post(
        "/api/auth/invitation", json={"token": token_of(late.json()["link"]), "password": NEW_PASSWORD}
    )
    assert gone.status_code == 410 and "48" in gone.json()["error"]["message"]


async def test_a_duplicate_username_is_a_conflict_and_nothing_is_sent(
    client: httpx.AsyncClient, admin: StaffUser, redis: Redis
) -> None:
    before = await redis.xlen("lapor:commands")
    answer = await client.post(
        "/api/admin/users",
        json={"username": "admin", "display_name": "Another", "role": "viewer"},
        headers=admin.headers,
    )
    assert answer.status_code == 409 and "admin" in answer.json()["error"]["message"]
    assert await redis.xlen("lapor:commands") == before


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    client: httpx.AsyncClient, admin: StaffUser, drain: Drain, settings: Settings
) -> None:
    me = await user_id(client, admin, "admin")
    for change in ({"role": "technician"}, {"active": False}):
        answer = await client.patch(f"/api/admin/users/{me}", json=change, headers=admin.headers)
        assert answer.status_code == 409, answer.text
    await create_staff(settings, client, username="second", role="admin")
    demoted = await client.patch(f"/api/admin/users/{me}", json={"role": "technician"}, headers=admin.headers)
    assert demoted.status_code == 202
    await drain()
    users = (await client.get("/api/admin/users", headers=(await _signed("second", client)).headers)).json()
    assert next(u for u in users["items"] if u["username"] == "admin")["role"] == "technician"


async def _signed(username: str, client: httpx.AsyncClient) -> StaffUser:
    answer = await sign_in(client, username, PASSWORD)
    return StaffUser(username, "", answer.json()["access_token"])


async def test_deactivation_ends_every_session_at_once_even_in_degraded_mode_and_reactivation_restores(
    client: httpx.AsyncClient, admin: StaffUser, technician: StaffUser, drain: Drain
) -> None:
    tek = await user_id(client, admin, "tek")
    answer = await client.patch(f"/api/admin/users/{tek}", json={"active": False}, headers=admin.headers)
    assert answer.status_code == 202
    # Before any worker ran: the revocation is in Redis already, so even a degraded API refuses it.
    assert (await client.get("/api/auth/me", headers=technician.headers)).status_code == 401
    await drain()
    assert (await sign_in(client, "tek", PASSWORD)).status_code == 401
    back = await client.patch(f"/api/admin/users/{tek}", json={"active": True}, headers=admin.headers)
    assert back.status_code == 202
    await drain()
    assert (await sign_in(client, "tek", PASSWORD)).status_code == 200


async def test_changing_ones_password_needs_the_old_one_and_ends_the_other_sessions(
    client: httpx.AsyncClient, technician: StaffUser, drain: Drain, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = await _signed("tek", client)
    wrong = await client.post(
        "/api/auth/password",
        json={"old_password": "not it at all", "new_password": NEW_PASSWORD},
        headers=technician.headers,
    )
    assert wrong.status_code == 422 and "old_password" in wrong.text
    weak = await client.post(
        "/api/auth/password",
        json={"old_password": PASSWORD, "new_password": "tek-tek-tek-tek"},
        headers=technician.headers,
    )
    assert weak.status_code == 422
    monkeypatch.setattr(accounts, "APPLY_WAIT_SECONDS", 0.0)
    changed = await client.post(
        "/api/auth/password",
        json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=technician.headers,
    )
    assert changed.status_code == 200, changed.text
    await drain()
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await client.get("/api/auth/me", headers=fresh)).status_code == 200
    assert (await client.get("/api/auth/me", headers=technician.headers)).status_code == 401
    assert (await client.get("/api/auth/me", headers=other.headers)).status_code == 401
    assert (await sign_in(client, "tek", NEW_PASSWORD)).status_code == 200


async def test_categories_are_managed_and_the_form_follows(
    client: httpx.AsyncClient, admin: StaffUser, drain: Drain
) -> None:
    created = await client.post(
        "/api/admin/categories",
        json={
            "slug": "lift",
            "name_id": "Lift",
            "name_en": "Elevator",
            "default_priority": "medium",
            "position": 5,
        },
        headers=admin.headers,
    )
    assert created.status_code == 202, created.text
    clash = await client.post(
        "/api/admin/categories",
        json={"slug": "plumbing", "name_id": "X", "name_en": "X"},
        headers=admin.headers,
    )
    assert clash.status_code == 409
    retired = await client.patch("/api/admin/categories/other", json={"active": False}, headers=admin.headers)
    assert retired.status_code == 202
    assert (
        await client.patch("/api/admin/categories/nope", json={"active": False}, headers=admin.headers)
    ).status_code == 404
    await drain()
    items = {
        c["slug"]: c
        for c in (await client.get("/api/admin/categories", headers=admin.headers)).json()["items"]
    }
    assert items["lift"]["default_priority"] == "medium" and items["other"]["active"] is False
    audit = (await client.get("/api/admin/audit?target_type=category", headers=admin.headers)).json()["items"]
    assert [e["action"] for e in audit] == ["category.update", "category.create"]
    assert audit[0]["before"] == {"active": True} and audit[0]["after"] == {"active": False}
    assert audit[0]["actor"] == "Admin" and audit[0]["at"].endswith("Z")


async def test_the_audit_log_records_account_changes_without_secrets(
    client: httpx.AsyncClient, admin: StaffUser, drain: Drain
) -> None:
    link = await invite(client, admin, drain)
    await client.post("/api/auth/invitation", json={"token": token_of(link), "password": NEW_PASSWORD})
    await drain()
    budi = await user_id(client, admin, "budi")
    await client.patch(
        f"/api/admin/users/{budi}", json={"role": "viewer", "display_name": "Pak Budi"}, headers=admin.headers
    )
    await drain()
    answer = await client.get("/api/admin/audit", params={"action": "user."}, headers=admin.headers)
    entries = answer.json()["items"]
    assert [e["action"] for e in entries] == ["user.update", "user.join", "user.invite"]
    assert entries[0]["before"] == {"display_name": "Budi", "role": "technician"}
    assert entries[0]["after"] == {"display_name": "Pak Budi", "role": "viewer"}
    text = answer.text
    assert NEW_PASSWORD not in text and "argon2" not in text and token_of(link) not in text
    only = await client.get(
        "/api/admin/audit", params={"action": "user.join", "limit": 1}, headers=admin.headers
    )
    assert [e["action"] for e in only.json()["items"]] == ["user.join"]
    bad = await client.get("/api/admin/audit", params={"since": "yesterday"}, headers=admin.headers)
    assert bad.status_code == 422


async def test_an_open_staff_stream_ends_when_its_owner_is_deactivated(
    env_for: Callable[..., dict[str, str]], admin: StaffUser, technician: StaffUser, drain: Drain
) -> None:
    from tests.live import live_api
    from tests.test_sse import read_events

    with live_api(env_for(LAPOR_SSE_KEEPALIVE_SECONDS="0.5")) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            async with http.stream("GET", "/api/events", headers=technician.headers) as stream:
                lines = stream.aiter_lines()
                await http.post("/api/reports", json=report_fields())
                await drain()
                assert len(await read_events(lines, 1)) == 1  # the stream works
                tek = await user_id(http, admin, "tek")
                answer = await http.patch(
                    f"/api/admin/users/{tek}", json={"active": False}, headers=admin.headers
                )
                assert answer.status_code == 202

                async def until_closed() -> None:
                    async for _line in lines:
                        pass

                await asyncio.wait_for(until_closed(), 20)  # the server ended it, no event needed
            assert (await http.get("/api/events", headers=technician.headers)).status_code == 401


async def test_a_deactivated_members_token_is_refused_while_the_database_is_down(
    client: httpx.AsyncClient,
    admin: StaffUser,
    technician: StaffUser,
    make_settings: Callable[..., Settings],
) -> None:
    from tests.test_sessions import running

    async with running(make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/test")) as degraded:
        # Degraded mode trusts a signed token on its own...
        assert (await degraded.get("/api/auth/me", headers=technician.headers)).status_code == 200
        tek = await user_id(client, admin, "tek")
        answer = await client.patch(f"/api/admin/users/{tek}", json={"active": False}, headers=admin.headers)
        assert answer.status_code == 202
        # ...but not a revoked one: the deactivation is in Redis before the admin's answer.
        assert (await degraded.get("/api/auth/me", headers=technician.headers)).status_code == 401


async def test_the_category_list_follows_an_admins_change_within_seconds(
    client: httpx.AsyncClient, admin: StaffUser, drain: Drain
) -> None:
    async def slugs() -> set[str]:
        return {c["slug"] for c in (await client.get("/api/categories")).json()["items"]}

    assert "other" in await slugs()  # cached now
    await client.patch("/api/admin/categories/other", json={"active": False}, headers=admin.headers)
    await client.post(
        "/api/admin/categories",
        json={"slug": "lift", "name_id": "Lift", "name_en": "Lift"},
        headers=admin.headers,
    )
    await drain()
    deadline = asyncio.get_running_loop().time() + 10  # LAPOR_CATEGORY_CACHE_SECONDS is 3
    while (current := await slugs()) != (current - {"other"}) | {"lift"} or "other" in current:
        assert asyncio.get_running_loop().time() < deadline, current
        await asyncio.sleep(0.2)
    retired = await client.post("/api/reports", json=report_fields(category="other"))
    assert retired.status_code == 422  # off the form


async def test_a_member_changes_their_password_on_the_page_and_stays_signed_in(
    client: httpx.AsyncClient, technician: StaffUser, drain: Drain, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from tests.test_roles import page_session

    form = await page_session(client, "tek")
    weak = await client.post(
        "/staff/password", data={**form, "old_password": PASSWORD, "new_password": "tektek"}
    )
    assert weak.status_code == 422 and "10" in weak.text
    monkeypatch.setattr(accounts, "APPLY_WAIT_SECONDS", 0.0)
    changed = await client.post(
        "/staff/password", data={**form, "old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200 and 'id="password-done"' in changed.text
    await drain()
    dashboard = await client.get("/staff")  # the fresh cookie: still signed in
    assert re.search(r"Laporan masuk", dashboard.text)
    assert (await client.get("/api/auth/me", headers=technician.headers)).status_code == 401


async def test_a_viewer_reads_a_report_without_its_forms(
    client: httpx.AsyncClient, settings: Settings, drain: Drain
) -> None:
    from tests.test_roles import page_session

    await create_staff(settings, client, username="dekan", role="viewer")
    report_id = (await client.post("/api/reports", json=report_fields())).json()["id"]
    await drain()
    await page_session(client, "dekan")
    page = await client.get(f"/staff/reports/{report_id}")
    assert page.status_code == 200 and 'id="read-only"' in page.text
    assert f"/staff/reports/{report_id}/change" not in page.text


async def test_passwords_travel_hashed_and_never_reach_the_log(
    client: httpx.AsyncClient,
    admin: StaffUser,
    drain: Drain,
    redis: Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    link = await invite(client, admin, drain)
    await client.post("/api/auth/invitation", json={"token": token_of(link), "password": NEW_PASSWORD})
    entries = await redis.xrange("lapor:commands")
    await drain()
    wire = " ".join(str(fields) for _id, fields in entries)
    assert "$argon2id$" in wire  # the hash travels...
    assert NEW_PASSWORD not in wire and token_of(link) not in wire  # ...never the password or the token
    assert NEW_PASSWORD not in caplog.text and token_of(link) not in caplog.text


async def test_the_worker_applies_nothing_when_two_admins_race_for_the_last_admin(
    client: httpx.AsyncClient, admin: StaffUser, drain: Drain, redis: Redis, settings: Settings
) -> None:
    from lapor.broker.intake_script import send_command
    from lapor.domain.commands import Actor, ChangeUser
    from lapor.domain.enums import Role

    second = await create_staff(settings, client, username="second", role="admin")
    me, other = await user_id(client, admin, "admin"), await user_id(client, admin, "second")
    actor = Actor(role=Role.ADMIN, name="Admin", user_id=me)
    # Both checks passed in the API (two admins), then both commands reach the worker.
    for target in (me, other):
        await send_command(redis, ChangeUser(actor=actor, user_id=target, active=False), wait_aof=False)
    await drain()
    users = {
        u["username"]: u
        for u in (await client.get("/api/admin/users", headers=second.headers)).json()["items"]
    }
    assert users["admin"]["active"] is False and users["second"]["active"] is True
    audit = (await client.get("/api/admin/audit", headers=second.headers)).json()["items"]
    assert [e["action"] for e in audit] == ["user.deactivate"]


async def test_a_sign_in_squeezed_in_before_the_worker_deactivates_is_refused_in_degraded_mode_too(
    client: httpx.AsyncClient,
    admin: StaffUser,
    technician: StaffUser,
    drain: Drain,
    make_settings: Callable[..., Settings],
) -> None:
    from tests.test_sessions import running

    tek = await user_id(client, admin, "tek")
    await client.patch(f"/api/admin/users/{tek}", json={"active": False}, headers=admin.headers)
    squeezed = await _signed("tek", client)  # the database still says active: a token is issued
    await drain()  # the worker commits the deactivation, then ends the sessions again
    async with running(make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/test")) as degraded:
        assert (await degraded.get("/api/auth/me", headers=squeezed.headers)).status_code == 401

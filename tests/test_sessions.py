"""Staff sessions that can be trusted: the signing key, sign-out that revokes, CSRF bound to the
session, cross-site requests refused when the cookie authenticates them, and contact links."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from redis.asyncio import Redis

from lapor.app import create_app
from lapor.auth.tokens import TokenClaims, issue_token
from lapor.config import DEVELOPMENT_SECRET, Settings
from lapor.credentials.secret_key import load_or_create
from lapor.i18n import translate
from lapor.store.users import add_user
from tests.factories import PASSWORD, StaffUser, report_fields

BASE_URL = "http://lapor.test"
EVIL = "https://evil.example"


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another API app (its own process, as far as the app can tell) over the same Redis."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield http


def page_csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="(\w+)"', html)
    assert found, html
    return found.group(1)


async def page_sign_in(client: httpx.AsyncClient, username: str = "tek") -> str:
    """Sign in through the staff page's form; returns the CSRF token of the signed-in pages."""
    login_token = page_csrf((await client.get("/staff")).text)
    answer = await client.post(
        "/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": login_token}
    )
    assert answer.status_code == 303, answer.text
    return page_csrf((await client.get("/staff")).text)


async def submitted(client: httpx.AsyncClient, drain: Callable[..., Any], **fields: str) -> str:
    answer = await client.post("/api/reports", data=report_fields(**fields))
    assert answer.status_code == 202, answer.text
    await drain()
    report_id: str = answer.json()["id"]
    return report_id


def error_key_message(response: httpx.Response) -> str:
    message: str = response.json()["error"]["message"]
    return message


# --- The signing key ------------------------------------------------------------------------


async def test_without_a_secret_key_one_is_generated_once_and_shared(
    settings: Settings,
    make_settings: Callable[..., Settings],
    client: httpx.AsyncClient,
    technician: StaffUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert settings.secret_key.get_secret_value() == ""
    key_file = settings.secret_key_file
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32 and key != DEVELOPMENT_SECRET

    # A second app (another process, as it were) with the same data dir uses the same key: the
    # token the first one issued is good there, and the file was not made again.
    caplog.set_level(logging.INFO, logger="lapor.auth")
    other = make_settings(settings.database_url)
    async with running(other) as second:
        me = await second.get("/api/auth/me", headers=technician.headers)
        assert me.status_code == 200, me.text
    assert other.signing_key == settings.signing_key == key
    assert key_file.read_text().strip() == key
    said = [r.getMessage() for r in caplog.records if r.name == "lapor.auth"]
    assert said == [f"LAPOR_SECRET_KEY is not set: using the secret key in {key_file}"]
    assert key not in caplog.text


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "secret_key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: load_or_create(path), range(16)))
    assert len(keys) == 1
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left


async def test_a_token_signed_with_the_published_default_is_refused(
    settings: Settings,
    make_settings: Callable[..., Settings],
    client: httpx.AsyncClient,
    technician: StaffUser,
    drain: Callable[..., Any],
) -> None:
    report_id = await submitted(client, drain)
    forged = issue_token(DEVELOPMENT_SECRET, TokenClaims(1, "", "admin", "Forged Admin"))
    headers = {"Authorization": f"Bearer {forged}"}
    assert (await client.get("/api/auth/me", headers=headers)).status_code == 401
    # Nor while the database is down, when the API trusts a signed token on its own.
    async with running(make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/test")) as degraded:
        comment = await degraded.post(
            f"/api/reports/{report_id}/comments", json={"body": "Forged"}, headers=headers
        )
        assert comment.status_code == 401
        assert (await degraded.get("/api/auth/me", headers=technician.headers)).status_code == 200


def test_the_published_default_and_weak_keys_are_refused() -> None:
    production = {
        "env": "production",
        "vapid_subject": "mailto:fasilitas@kampus.ac.id",
        "public_url": "https://lapor.kampus.ac.id",
    }
    for weak in ("a" * 40, "ab" * 20, "Kampus2026!" * 4, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefgh"):
        with pytest.raises(ValidationError, match="too weak for production"):
            Settings(secret_key=weak, **production)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must be set"):
        Settings(**production)  # type: ignore[arg-type]
    for env in ("production", "development"):
        with pytest.raises(ValidationError, match="published development placeholder"):
            Settings(env=env, secret_key=DEVELOPMENT_SECRET, vapid_subject=production["vapid_subject"])  # type: ignore[arg-type]
    good = Settings(secret_key="Vq7dK2pX9mL4tR8wZ3nB6cF1hJ5sG0yA", **production)  # type: ignore[arg-type]
    assert good.signing_key == "Vq7dK2pX9mL4tR8wZ3nB6cF1hJ5sG0yA"
    assert "Vq7dK2" not in repr(good)


# --- Sign-out revokes -----------------------------------------------------------------------


async def test_sign_out_revokes_a_copied_bearer_token(
    client: httpx.AsyncClient, technician: StaffUser
) -> None:
    copied = dict(technician.headers)
    assert (await client.post("/api/auth/logout", headers=technician.headers)).status_code == 204
    refused = await client.get("/api/auth/me", headers=copied)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == translate("auth.signed_out", "id")
    # Signing in again gives a new token that works.
    again = await client.post("/api/auth/token", json={"username": "tek", "password": PASSWORD})
    fresh = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert (await client.get("/api/auth/me", headers=fresh)).status_code == 200


async def test_sign_out_revokes_a_copied_cookie(
    settings: Settings, client: httpx.AsyncClient, technician: StaffUser
) -> None:
    csrf = await page_sign_in(client)
    cookie = client.cookies["lapor_session"]
    async with httpx.AsyncClient(transport=client._transport, base_url=BASE_URL) as thief:
        thief.cookies.set("lapor_session", cookie)
        assert (await thief.get("/api/auth/me")).status_code == 200
        answer = await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
        assert answer.status_code == 204
        assert "lapor_session" not in client.cookies  # this browser forgets it
        assert (await thief.get("/api/auth/me")).status_code == 401  # and a copy is refused
        assert 'name="password"' in (await thief.get("/staff")).text


async def test_the_staff_pages_sign_out_revokes_the_cookie(
    client: httpx.AsyncClient, technician: StaffUser
) -> None:
    csrf = await page_sign_in(client)
    cookie = client.cookies["lapor_session"]
    page = (await client.get("/staff")).text
    assert 'action="/staff/logout"' in page and 'action="/staff/logout-all"' in page
    answer = await client.post("/staff/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303
    async with httpx.AsyncClient(transport=client._transport, base_url=BASE_URL) as thief:
        thief.cookies.set("lapor_session", cookie)
        assert (await thief.get("/api/auth/me")).status_code == 401
        assert 'name="password"' in (await thief.get("/staff")).text


async def test_sign_out_everywhere_refuses_every_earlier_session(
    client: httpx.AsyncClient, technician: StaffUser
) -> None:
    phone = await client.post("/api/auth/token", json={"username": "tek", "password": PASSWORD})
    phone_headers = {"Authorization": f"Bearer {phone.json()['access_token']}"}
    csrf = await page_sign_in(client)
    cookie = client.cookies["lapor_session"]

    answer = await client.post("/staff/logout-all", data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert (await client.get("/api/auth/me", headers=technician.headers)).status_code == 401
    assert (await client.get("/api/auth/me", headers=phone_headers)).status_code == 401
    async with httpx.AsyncClient(transport=client._transport, base_url=BASE_URL) as thief:
        thief.cookies.set("lapor_session", cookie)
        assert (await thief.get("/api/auth/me")).status_code == 401

    # Signing in again works at once, and the JSON door does the same as the page's button.
    laptop = await client.post("/api/auth/token", json={"username": "tek", "password": PASSWORD})
    laptop_headers = {"Authorization": f"Bearer {laptop.json()['access_token']}"}
    tablet = await client.post("/api/auth/token", json={"username": "tek", "password": PASSWORD})
    tablet_headers = {"Authorization": f"Bearer {tablet.json()['access_token']}"}
    assert (await client.get("/api/auth/me", headers=laptop_headers)).status_code == 200
    assert (await client.post("/api/auth/logout-all", headers=laptop_headers)).status_code == 204
    assert (await client.get("/api/auth/me", headers=tablet_headers)).status_code == 401
    assert (await client.get("/api/auth/me", headers=laptop_headers)).status_code == 401


async def test_a_revoked_cookie_is_refused_while_the_database_is_down(
    make_settings: Callable[..., Settings],
    client: httpx.AsyncClient,
    redis: Redis,
    technician: StaffUser,
    drain: Callable[..., Any],
) -> None:
    report_id = await submitted(client, drain)
    csrf = await page_sign_in(client)
    cookie = client.cookies["lapor_session"]
    assert (await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})).status_code == 204

    async with running(make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/test")) as degraded:
        # The database is down, yet the revocation (in Redis) is seen.
        degraded.cookies.set("lapor_session", cookie)
        assert (await degraded.get("/api/auth/me")).status_code == 401
        change = await degraded.patch(
            f"/api/reports/{report_id}", json={"status": "in_progress"}, headers={"X-CSRF-Token": csrf}
        )
        assert change.status_code == 401
        # A token nobody signed out still works in degraded mode.
        assert (await degraded.get("/api/auth/me", headers=technician.headers)).status_code == 200


async def test_a_token_is_not_trusted_when_its_revocation_cannot_be_checked(
    settings: Settings, client: httpx.AsyncClient, technician: StaffUser
) -> None:
    """Redis unreachable: 503 with a plain message, never a 500, and never the token trusted unchecked."""
    async with running(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})) as no_redis:
        for answer in (
            await no_redis.get("/api/auth/me", headers=technician.headers),
            await no_redis.post("/api/auth/logout", headers=technician.headers),
        ):
            assert answer.status_code == 503
            assert answer.json()["error"]["message"] == translate("auth.unavailable", "id")
    assert (await client.get("/api/auth/me", headers=technician.headers)).status_code == 200


# --- CSRF bound to the session; cross-site requests -----------------------------------------


async def test_a_csrf_token_of_another_session_is_refused(
    settings: Settings, client: httpx.AsyncClient, technician: StaffUser, drain: Callable[..., Any]
) -> None:
    report_id = await submitted(client, drain)
    first = await page_sign_in(client)
    await client.post("/staff/logout", data={"csrf_token": first})
    second = await page_sign_in(client)  # the same browser (same lapor_csrf cookie), a new session
    assert first != second

    stale_form = await client.post(
        f"/staff/reports/{report_id}/change", data={"status": "in_progress", "csrf_token": first}
    )
    assert stale_form.status_code == 403
    stale_json = await client.patch(
        f"/api/reports/{report_id}", json={"status": "in_progress"}, headers={"X-CSRF-Token": first}
    )
    assert stale_json.status_code == 403
    assert stale_json.json()["error"]["message"] == translate("error.csrf", "id")

    fresh = await client.patch(
        f"/api/reports/{report_id}", json={"status": "in_progress"}, headers={"X-CSRF-Token": second}
    )
    assert fresh.status_code == 202, fresh.text


async def test_cross_site_requests_with_the_cookie_are_refused_but_bearer_tokens_are_not(
    client: httpx.AsyncClient, technician: StaffUser, drain: Callable[..., Any]
) -> None:
    report_id = await submitted(client, drain)
    csrf = await page_sign_in(client)
    change = {"status": "in_progress"}
    for headers in (
        {"Origin": EVIL},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},
    ):
        refused = await client.patch(
            f"/api/reports/{report_id}", json=change, headers={"X-CSRF-Token": csrf, **headers}
        )
        assert refused.status_code == 403, headers
        assert refused.json()["error"]["message"] == translate("error.cross_site", "id")
        comment = await client.post(
            f"/api/reports/{report_id}/comments",
            json={"body": "x"},
            headers={"X-CSRF-Token": csrf, **headers},
        )
        assert comment.status_code == 403
        form = await client.post(
            f"/staff/reports/{report_id}/change", data={**change, "csrf_token": csrf}, headers=headers
        )
        assert form.status_code == 403
        signed_out = await client.post("/staff/logout", data={"csrf_token": csrf}, headers=headers)
        assert signed_out.status_code == 303 and "lapor_session" in client.cookies  # nothing done

    # Reads with the cookie are not changes; our own origin is fine.
    assert (await client.get("/api/auth/me", headers={"Origin": EVIL})).status_code == 200
    same = await client.patch(
        f"/api/reports/{report_id}",
        json=change,
        headers={"X-CSRF-Token": csrf, "Origin": BASE_URL, "Sec-Fetch-Site": "same-origin"},
    )
    assert same.status_code == 202
    # Our pages send Referrer-Policy: no-referrer, so the browser posts their forms with
    # "Origin: null"; its Sec-Fetch-Site says they are ours.
    own_form = await client.post(
        f"/staff/reports/{report_id}/change",
        data={"priority": "emergency", "csrf_token": csrf},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )
    assert own_form.status_code == 303, own_form.text

    # A bearer token is not sent by a browser on its own: no Origin check, no CSRF token.
    async with httpx.AsyncClient(transport=client._transport, base_url=BASE_URL) as script:
        bearer = await script.patch(
            f"/api/reports/{report_id}",
            json={"priority": "medium"},
            headers={**technician.headers, "Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        )
        assert bearer.status_code == 202, bearer.text


async def test_the_original_api_takes_the_cookie_without_csrf_only_for_same_origin_json(
    client: httpx.AsyncClient, technician: StaffUser, drain: Callable[..., Any]
) -> None:
    report_id = await submitted(client, drain)
    await page_sign_in(client)
    listing = await client.get("/api/semua_laporan")  # a read: the cookie alone
    assert listing.status_code == 200 and listing.json()[0]["id_laporan"] == report_id

    url = f"/api/lapor/{report_id}"
    body = {"status": "DIPROSES_TEKNISI"}
    ours = await client.put(url, json=body, headers={"Origin": BASE_URL})
    assert ours.status_code == 202, ours.text
    fetch_metadata = await client.put(url, json=body, headers={"Sec-Fetch-Site": "same-origin"})
    assert fetch_metadata.status_code == 202

    for headers in ({}, {"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        refused = await client.put(url, json=body, headers=headers)
        assert refused.status_code == 403, headers
    as_form = await client.put(url, data=body, headers={"Origin": BASE_URL})
    assert as_form.status_code == 403
    as_text = await client.put(
        url, content=b'{"status": "SELESAI"}', headers={"Origin": BASE_URL, "Content-Type": "text/plain"}
    )
    assert as_text.status_code == 403
    assert as_text.json()["error"]["message"] == translate("error.original_api_write", "id")


# --- Contact links --------------------------------------------------------------------------


async def test_the_contact_becomes_a_link_only_when_it_parses(
    settings: Settings, client: httpx.AsyncClient, drain: Callable[..., Any]
) -> None:
    await add_user(
        settings.resolved_database_url,
        username="tek",
        role="technician",
        display_name="Tek",
        password=PASSWORD,
    )
    await page_sign_in(client)
    injected = await submitted(client, drain, reporter_contact="x@y.z?bcc=evil%40attacker.example&subject=hi")
    local_part = await submitted(client, drain, reporter_contact='x?bcc=evil@attacker.example"<b>')
    phone = await submitted(client, drain, reporter_contact="0812-3456-7890")

    for report_id in (injected, local_part):
        page = (await client.get(f"/staff/reports/{report_id}")).text
        assert "mailto:" not in page and "bcc=evil" not in " ".join(re.findall(r'href="[^"]*"', page))
    assert (
        "x@y.z?bcc=evil%40attacker.example&amp;subject=hi"
        in (await client.get(f"/staff/reports/{injected}")).text
    )
    assert (
        "x?bcc=evil@attacker.example&#34;&lt;b&gt;" in (await client.get(f"/staff/reports/{local_part}")).text
    )

    page = (await client.get(f"/staff/reports/{phone}")).text
    assert '<a href="tel:+6281234567890">0812-3456-7890</a>' in page
    assert 'href="https://wa.me/6281234567890"' in page


async def test_a_form_posted_through_a_service_worker_is_ours_by_fetch_metadata(
    client: httpx.AsyncClient, technician: StaffUser, drain: Callable[..., Any]
) -> None:
    # Chromium sends "Origin: null" with a form that a no-referrer page posts through a service
    # worker (the site's worker handles every request in its scope); Sec-Fetch-Site still says ours.
    report_id = await submitted(client, drain)
    csrf = await page_sign_in(client)
    ours = await client.patch(
        f"/api/reports/{report_id}",
        json={"status": "in_progress"},
        headers={"X-CSRF-Token": csrf, "Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )
    assert ours.status_code == 202, ours.text

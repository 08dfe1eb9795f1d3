"""The staff's pages without a browser: the catalogue, the forms' CSRF, what a sent change became."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from lapor.config import Settings
from lapor.domain.enums import Priority, Role, Status
from lapor.i18n import MESSAGES
from lapor.store.users import add_user
from lapor.web.contact import contact_links
from lapor.web.render import TEMPLATES
from lapor.web.staff import age_text
from tests.factories import PASSWORD, report_fields

STAFF_TEMPLATES = (
    "_staff.html",
    "staff_login.html",
    "staff_dashboard.html",
    "staff_rows.html",
    "staff_report.html",
    "staff_system.html",
    "staff_places.html",
    "_staff_duplicates.html",
    "staff_categories.html",
)


def test_every_text_of_the_staff_pages_is_in_the_catalogue_in_both_languages() -> None:
    keys: set[str] = set()
    for name in STAFF_TEMPLATES:
        keys |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", (TEMPLATES / name).read_text()))
    # Keys the templates build from a value ("staff.status." ~ status).
    keys |= {f"staff.status.{s.value}" for s in Status}
    keys |= {f"staff.priority.{p.value}" for p in Priority}
    keys |= {f"staff.role.{r.value}" for r in (Role.ADMIN, Role.TECHNICIAN)}
    keys |= {f"staff.action.{s.value}" for s in Status if s != Status.QUEUED}
    keys |= {f"staff.age.{unit}" for unit in ("now", "minutes", "hours", "days")}
    keys = {key for key in keys if not key.endswith(".")}  # prefixes, covered above
    missing = sorted(key for key in keys if key not in MESSAGES)
    assert missing == []
    untranslated = sorted(key for key in keys if set(MESSAGES[key]) != {"id", "en"})
    assert untranslated == []


def test_staff_pages_load_only_their_own_files() -> None:
    """The strict CSP allows no inline script or style: nothing inline may creep into a template."""
    for name in STAFF_TEMPLATES:
        text = (TEMPLATES / name).read_text()
        assert " style=" not in text and "<style" not in text, name
        for script in re.findall(r"<script\b[^>]*>", text):
            assert 'type="application/json"' in script or "src=" in script, (name, script)
    static = Path(TEMPLATES.parent / "static")
    for path in ("css/staff.css", "js/dashboard.js", "js/staff-report.js", "js/system.js"):
        assert (static / path).is_file(), path


def test_contact_links_only_what_parses_as_an_address_or_a_number() -> None:
    def hrefs(contact: str | None) -> list[str]:
        return [link.href for link in contact_links(contact)]

    assert hrefs("ani@kampus.ac.id") == ["mailto:ani@kampus.ac.id"]
    assert hrefs(" Ani.Putri+lapor@Kampus.AC.ID ") == ["mailto:Ani.Putri+lapor@kampus.ac.id"]
    assert hrefs("+62 812-3456-7890") == ["tel:+6281234567890", "https://wa.me/6281234567890"]
    assert hrefs("0812.3456.7890") == ["tel:+6281234567890", "https://wa.me/6281234567890"]
    assert hrefs("62 812 3456 7890") == ["tel:+6281234567890", "https://wa.me/6281234567890"]
    assert hrefs("(021) 786-7222") == ["tel:+62217867222"]  # a landline: no WhatsApp
    # Injected parameters, other schemes and free text give no link at all.
    for contact in (
        "x@y.z?bcc=evil%40attacker.example&subject=hi",
        "x?bcc=evil@attacker.example",
        "x@attacker.example&body=hi",
        'x@y.z" onclick="alert(1)',
        "mailto:x@y.z",
        "javascript:alert(1)",
        "WA: 0812 3456 7890",
        "Line @sari",
        "0812 3456",  # too short
        "+1 415 555 0100",  # not Indonesian
        "0812-3456-7890?x=1",
        None,
        "",
    ):
        assert hrefs(contact) == [], contact


def test_age_is_told_in_its_largest_whole_unit() -> None:
    now = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    assert age_text(now - timedelta(seconds=20), now, "id") == "baru saja"
    assert age_text(now - timedelta(minutes=5), now, "id") == "5 mnt"
    assert age_text(now - timedelta(hours=30), now, "en") == "30 h"
    assert age_text(now - timedelta(days=3, hours=5), now, "id") == "3 hari"


async def _sign_in(client: httpx.AsyncClient, settings: Settings, username: str = "tek") -> str:
    """Sign in through the page's form; returns the CSRF token the signed-in pages carry."""
    await add_user(
        settings.resolved_database_url,
        username=username,
        role="technician",
        display_name="Budi Teknisi",
        password=PASSWORD,
    )
    page = await client.get("/staff")
    token = re.search(r'name="csrf_token" value="(\w+)"', page.text)
    assert token, page.text
    answer = await client.post(
        "/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303
    # The pages' CSRF token is bound to the session: the one from the sign-in form is spent.
    signed_in = re.search(r'name="csrf_token" value="(\w+)"', (await client.get("/staff")).text)
    assert signed_in and signed_in.group(1) != token.group(1)
    return signed_in.group(1)


async def _report(client: httpx.AsyncClient, drain: Callable[..., Any], **fields: str) -> str:
    answer = await client.post("/api/reports", data=report_fields(**fields))
    assert answer.status_code == 202
    await drain()
    report_id: str = answer.json()["id"]
    return report_id


async def test_signed_out_visitors_see_the_sign_in_form_and_no_rows(client: httpx.AsyncClient) -> None:
    page = await client.get("/staff")
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert (await client.get("/staff/partials/rows")).status_code == 401
    detail = await client.get("/staff/reports/00000000-0000-4000-8000-000000000000")
    assert detail.status_code == 303 and detail.headers["location"] == "/staff"


async def test_a_status_form_is_applied_and_its_page_says_so(
    client: httpx.AsyncClient, settings: Settings, drain: Callable[..., Any]
) -> None:
    token = await _sign_in(client, settings)
    report_id = await _report(client, drain, description="Lampu <b>koridor</b> mati total sejak pagi")
    rows = await client.get("/staff/partials/rows")
    assert f'data-id="{report_id}"' in rows.text
    assert "Lampu &lt;b&gt;koridor&lt;/b&gt; mati" in rows.text  # escaped
    assert 'id="status-counts"' in rows.text

    answer = await client.post(
        f"/staff/reports/{report_id}/change", data={"status": "in_progress", "csrf_token": token}
    )
    assert answer.status_code == 303
    sent = re.fullmatch(rf"/staff/reports/{report_id}\?sent=([0-9a-f-]{{36}})", answer.headers["location"])
    assert sent
    waiting = await client.get(answer.headers["location"])
    assert 'data-state="sent"' in waiting.text
    assert f'"sent": "{sent.group(1)}"' in waiting.text  # the script waits for this command's events

    await drain()
    applied = await client.get(answer.headers["location"])
    assert 'data-state="updated"' in applied.text
    assert 'data-status="in_progress"' in applied.text

    # The same move again is refused by the state machine, and the page says why.
    again = await client.post(
        f"/staff/reports/{report_id}/change", data={"status": "in_progress", "csrf_token": token}
    )
    await drain()
    refused = await client.get(again.headers["location"])
    assert 'data-state="refused"' in refused.text
    assert "Ditolak: laporan sudah berstatus itu" in refused.text


@pytest.mark.parametrize("path", ["change", "comment"])
async def test_forms_without_their_csrf_token_are_refused(
    client: httpx.AsyncClient, settings: Settings, drain: Callable[..., Any], path: str
) -> None:
    await _sign_in(client, settings)
    report_id = await _report(client, drain)
    answer = await client.post(
        f"/staff/reports/{report_id}/{path}", data={"status": "in_progress", "body": "halo"}
    )
    assert answer.status_code == 403
    await drain()
    report = (await client.get(f"/api/reports/{report_id}")).json()
    assert [entry["kind"] for entry in report["timeline"]] == ["created"]


async def test_the_sign_in_page_slows_guessing_down_with_retry_after(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await _sign_in(client, settings)  # an account, and a session that the guesses below ignore
    page = await client.get("/staff")
    token = re.search(r'name="csrf_token" value="(\w+)"', page.text)
    assert token, page.text
    form = {"username": "tek", "csrf_token": token.group(1)}
    statuses = [
        (await client.post("/staff/login", data={**form, "password": f"guess {n}"})).status_code
        for n in range(5)
    ]
    assert statuses == [401] * 5
    throttled = await client.post("/staff/login", data={**form, "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1"
    assert "1 detik" in throttled.text

"""Every page, as a student, a technician and an admin reach it: zero axe-core WCAG 2.1 A/AA violations.

One sweep over one live system (pages that need a state get it first: a report, a room, a signed-in
admin), on a phone for the students' pages and on a desktop for the staff's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.e2e.offline_pages import wcag_violations
from tests.e2e.test_staff import submit_report, wait_for_report

pytestmark = IN_BROWSER_LOOP

SLOW = 15_000


async def assert_accessible(page: Page, path: str) -> None:
    await page.goto(path)
    await expect(page.locator("main")).to_be_visible(timeout=SLOW)
    report = await wcag_violations(page)
    assert report == "", f"{path}:\n{report}"


async def test_every_page_has_no_wcag_21_aa_violation(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    report_id = await submit_report(live_system)
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        sent = await http.post(
            "/api/reports",
            json={
                "reporter_name": "Sari",
                "category": "plumbing",
                "location": "Toilet lantai 2",
                "description": "Keran air bocor terus sejak pagi",
            },
        )
        assert sent.status_code == 202
        own = sent.json()

    student: Page = await new_page(viewport=PHONE)
    for path in ("/", f"/r/{report_id}", f"/r/{own['id']}#token={own['tracking_token']}", "/q/NO-SUCH-ROOM"):
        await assert_accessible(student, path)
    await assert_accessible(student, "/r/00000000-0000-4000-8000-000000000000")  # the 404 page

    password = await live_system.add_staff("aksesibel", "admin", "Admin Aksesibel")
    admin: Page = await new_page(viewport=DESKTOP)
    await assert_accessible(admin, "/staff/login")
    await admin.locator("input[name=username]").fill("aksesibel")
    await admin.locator("input[name=password]").fill(password)
    await admin.get_by_role("button", name="Masuk").click()
    await expect(admin.get_by_role("heading", level=1)).to_have_text("Laporan masuk", timeout=SLOW)
    for path in (
        "/staff",
        f"/staff/reports/{report_id}",
        "/staff/system",
        "/staff/places",
        "/staff/users",
        "/staff/categories",
        "/staff/audit",
        "/staff/password",
    ):
        await assert_accessible(admin, path)
        await assert_accessible(admin, "/staff?sort=me_too")  # sorted by "me too"

    # "Me too" (issue 14): a room with an open report; its page with the button, pressed; the form's
    # "already reported?" step once that room and category are chosen.
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        signed_in = await http.post("/api/auth/token", json={"username": "aksesibel", "password": password})
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        room = {"code": "AKS-101", "building": "AKS", "floor": "1", "name": "Ruang Aksesibel"}
        placed = await http.post("/api/admin/places", json=room, headers=headers)
        assert placed.status_code == 200 and placed.json()["ok"], placed.text
        in_room = await http.post(
            "/api/reports",
            json={
                "reporter_name": "Rina",
                "category": "furniture",
                "location": "baris depan",
                "description": "Kursi baris depan patah kakinya",
                "room": "AKS-101",
            },
        )
        assert in_room.status_code == 202
    await assert_accessible(student, "/q/AKS-101")
    await expect(student.get_by_role("button", name="Saya juga")).to_be_visible(timeout=SLOW)
    await student.get_by_role("button", name="Saya juga").click()
    await expect(student.locator(".me-too__status")).to_contain_text("tercatat", timeout=SLOW)
    assert await wcag_violations(student) == ""
    await student.goto("/?room=AKS-101")
    await student.get_by_label("Kategori").select_option("furniture")
    await expect(student.get_by_role("region", name="Sudah dilaporkan?")).to_be_visible(timeout=SLOW)
    assert await wcag_violations(student) == ""


async def test_the_duplicates_states_have_no_wcag_21_aa_violation(
    new_page: Callable[..., Any],
    live_system: LiveSystem,
    env_for: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    """Issue 14: a staff report page with merge candidates, one merged into another (and the kept
    one listing it), a hidden report's staff page, and a merged duplicate's tracking page."""
    from tests.e2e.test_duplicates import report_in_room
    from tests.e2e.test_places import import_places
    from tests.e2e.test_student import patch_report, staff_headers

    await import_places(env_for(), tmp_path)
    kept = await report_in_room(live_system, "AC ruang 201 mati", "AC di ruang 201 mati total sejak pagi.")
    other = await report_in_room(live_system, "AC berisik", "AC ruang 201 berisik sekali.")
    merged = await report_in_room(live_system, "AC tidak dingin", "AC ruang 201 tidak dingin sama sekali.")
    headers = await staff_headers(live_system, "adminakses")
    await patch_report(live_system, headers, merged["id"], merge_into=kept["id"])
    await patch_report(live_system, headers, other["id"], hidden=True)  # type: ignore[arg-type]
    async with httpx.AsyncClient(base_url=live_system.base_url, headers=headers) as http:
        await wait_for_report(http, merged["id"], lambda report: report["status"] == "duplicate")
        await wait_for_report(http, other["id"], lambda report: report["hidden"] is True)

    student: Page = await new_page(viewport=PHONE)
    await assert_accessible(student, f"/r/{merged['id']}#token={merged['tracking_token']}")
    await expect(student.locator("#kept-link")).to_have_text("AC ruang 201 mati", timeout=SLOW)
    assert await wcag_violations(student) == ""
    await assert_accessible(student, f"/r/{merged['id']}")
    await student.goto(f"/r/{other['id']}")  # hidden: a page that shows nothing (404)
    await expect(student.locator("#status-card")).to_be_hidden()
    assert await wcag_violations(student) == ""
    reporter: Page = await new_page(viewport=PHONE)  # its reporter, with the token, sees it
    await reporter.goto(f"/r/{other['id']}#token={other['tracking_token']}")
    await expect(reporter.locator("#report-title")).to_have_text("AC berisik", timeout=SLOW)
    await expect(reporter.locator("#status-badge")).to_have_text("Menunggu")
    await expect(reporter.locator("#location-value")).to_have_text("Ruang 201")
    assert await wcag_violations(reporter) == ""

    password = await live_system.add_staff("aksesdup", "admin", "Admin Duplikat")
    admin: Page = await new_page(viewport=DESKTOP)
    await admin.goto("/staff/login")
    await admin.locator("input[name=username]").fill("aksesdup")
    await admin.locator("input[name=password]").fill(password)
    await admin.get_by_role("button", name="Masuk").click()
    await expect(admin.get_by_role("heading", level=1)).to_have_text("Laporan masuk", timeout=SLOW)
    for report in (kept, other, merged):
        await assert_accessible(admin, f"/staff/reports/{report['id']}")
    await expect(admin.locator("#merged-into")).to_be_visible()
    await assert_accessible(admin, f"/staff/reports/{kept['id']}")
    await expect(admin.locator("#merge-candidates li")).to_have_count(1)
    await expect(admin.locator("#merged-here")).to_be_visible()

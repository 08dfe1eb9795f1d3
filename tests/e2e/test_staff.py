"""The staff's side in a real browser: sign-in, the live dashboard, a report's page, the system view.

Each test drives Debian's Chromium against a real `lapor api` and `lapor worker` (see conftest.py).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import DESKTOP, IN_BROWSER_LOOP, PHONE, LiveSystem

pytestmark = IN_BROWSER_LOOP

SLOW = 15_000  # ms: long enough for the worker to apply a command on a busy CI machine
TRACKING_URL = re.compile(r"/r/([0-9a-f-]{36})(#.*)?$")


class StaffDesk:
    """A technician's browser tab, in the words of the pages (Indonesian unless told otherwise)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.rows = page.locator("#report-rows")
        self.live = page.locator("#live")

    async def sign_in(self, username: str, password: str) -> None:
        await self.page.goto("/staff")
        await self.page.locator("input[name=username]").fill(username)
        await self.page.locator("input[name=password]").fill(password)
        await self.page.get_by_role("button", name="Masuk").click()

    async def open_dashboard(self, username: str, password: str) -> None:
        await self.sign_in(username, password)
        await expect(self.page.get_by_role("heading", name="Laporan masuk")).to_be_visible()
        await expect(self.live).to_have_attribute("data-state", "live", timeout=SLOW)

    def row(self, report_id: str) -> Any:
        return self.rows.locator(f"tr[data-id='{report_id}']")

    def count(self, status: str) -> Any:
        return self.page.locator(f"#status-counts [data-count='{status}']")

    async def mark_document(self) -> None:
        """Set a marker that a reload would wipe: the checks after it prove nothing reloaded."""
        await self.page.evaluate("window.__sameDocument = true")

    async def same_document(self) -> bool:
        return bool(await self.page.evaluate("window.__sameDocument === true"))

    # On a report's page
    @property
    def status(self) -> Any:
        return self.page.locator("#report-summary .s-status")

    async def press(self, label: str) -> None:
        """Press a form's button; the answer is the report's page again, saying "sent"."""
        sent = re.compile(r"/staff/reports/[0-9a-f-]{36}\?sent=[0-9a-f-]{36}$")
        async with self.page.expect_navigation(url=sent, wait_until="commit"):
            await self.page.get_by_role("button", name=label, exact=True).click()
        await expect(self.page.locator("#sent-notice")).to_be_visible()

    async def csrf_token(self) -> str:
        token = await self.page.locator("input[name=csrf_token]").first.get_attribute("value")
        assert token
        return token


async def submit_report(live_system: LiveSystem, **fields: str) -> str:
    """A report sent over the API (as the form's script sends it); returns its id once persisted."""
    values = {
        "reporter_name": "Ani Mahasiswa",
        "reporter_contact": "0812 3456 7890",
        "category": "electrical",
        "location": "Gedung A, ruang 201",
        "description": "Stop kontak di meja dosen berasap",
        "priority": "normal",
        **fields,
    }
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        answer = await http.post("/api/reports", data=values)
        assert answer.status_code == 202, answer.text
        report_id: str = answer.json()["id"]
        await wait_for_report(http, report_id, lambda report: report["status"] == "pending")
    return report_id


async def wait_for_report(
    http: httpx.AsyncClient, report_id: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + SLOW / 1000
    while True:
        report: dict[str, Any] = (await http.get(f"/api/reports/{report_id}")).json()
        if check(report) or time.monotonic() > deadline:
            return report
        await asyncio.sleep(0.1)


async def test_a_report_goes_from_a_students_phone_to_a_technician_and_back(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    password = await live_system.add_staff("budi", "technician", "Budi Teknisi")
    desk = StaffDesk(await new_page(viewport=DESKTOP))
    await desk.open_dashboard("budi", password)
    await desk.mark_document()
    await expect(desk.count("pending")).to_have_text("0")

    # A student, on a phone, sends a report through the form and keeps its page open.
    student: Page = await new_page(viewport=PHONE)
    await student.goto("/")
    await student.locator("[name=reporter_name]").fill("Ani Mahasiswa")
    await student.locator("[name=reporter_contact]").fill("ani@kampus.ac.id")
    await student.locator("[name=category]").select_option("electrical")
    await student.locator("[name=location]").fill("Gedung A, lantai 2, ruang 201")
    await student.locator("[name=description]").fill("Stop kontak di meja dosen berasap & berbau <gosong>")
    await student.locator("input[name=priority][value=emergency]").check(force=True)
    await student.locator("form:has([name=description]) button[type=submit]").click()
    await student.wait_for_url(TRACKING_URL, timeout=SLOW)
    report_id = TRACKING_URL.search(student.url).group(1)  # type: ignore[union-attr]
    badge = student.locator("#status-badge")
    await expect(badge).to_have_text("Menunggu", timeout=SLOW)

    # The technician's table shows it without a reload, highlighted, emergency first.
    row = desk.row(report_id)
    await expect(row).to_be_visible(timeout=SLOW)
    await expect(row).to_have_class(re.compile(r"\bis-changed\b"))
    await expect(row).to_contain_text("Darurat")
    await expect(row).to_contain_text("Stop kontak di meja dosen berasap & berbau <gosong>")
    await expect(row).to_contain_text("Gedung A, lantai 2, ruang 201")
    await expect(row).to_contain_text("Menunggu")
    await expect(desk.count("pending")).to_have_text("1")
    assert await desk.same_document()

    # The detail: the reporter's contact, the timeline, and the buttons of the legal moves.
    await row.get_by_role("link").click()
    await expect(desk.page.get_by_role("heading", level=1)).to_contain_text("Stop kontak di meja dosen")
    await expect(desk.page.locator("#report-details")).to_contain_text("ani@kampus.ac.id")
    await expect(desk.page.get_by_role("link", name="ani@kampus.ac.id")).to_have_attribute(
        "href", "mailto:ani@kampus.ac.id"
    )
    await expect(desk.page.locator("#report-timeline")).to_contain_text("Laporan diterima")
    await expect(desk.page.get_by_role("button", name="Tandai selesai")).to_have_count(0)

    await desk.press("Mulai proses")
    await expect(desk.status).to_have_text("Diproses", timeout=SLOW)
    await expect(desk.page.locator("#sent-notice")).to_have_attribute("data-state", "updated")
    await expect(desk.page.locator("#report-timeline")).to_contain_text("Budi Teknisi")
    await expect(badge).to_have_text("Diproses", timeout=SLOW)

    await desk.press("Tandai selesai")
    await expect(desk.status).to_have_text("Selesai", timeout=SLOW)
    await expect(desk.page.locator("#sent-notice")).to_have_text("Perubahan sudah diterapkan.")
    await expect(badge).to_have_text("Selesai", timeout=SLOW)
    await expect(student.locator("#resolved-banner")).to_be_visible()
    # A resolved report can only be reopened, and that is not offered as the main action.
    reopen = desk.page.get_by_role("button", name="Buka lagi laporan")
    await expect(reopen).to_have_class(re.compile(r"\bs-btn-secondary\b"))
    await expect(desk.page.locator("#report-actions .s-btn-primary")).to_have_count(0)


async def test_a_report_page_follows_a_colleagues_changes_live(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    password = await live_system.add_staff("budi", "technician", "Budi Teknisi")
    admin_password = await live_system.add_staff("sari", "admin", "Sari Admin")
    report_id = await submit_report(live_system, priority="normal")
    desk = StaffDesk(await new_page(viewport=DESKTOP))
    await desk.sign_in("budi", password)
    await desk.page.goto(f"/staff/reports/{report_id}")
    await desk.mark_document()
    await desk.page.locator("#comment-body").fill("sedang saya ketik")

    colleague = StaffDesk(await new_page(viewport=PHONE))
    await colleague.sign_in("sari", admin_password)
    await colleague.page.goto(f"/staff/reports/{report_id}")
    await colleague.page.locator("#assignee").select_option("budi")
    await colleague.page.get_by_role("button", name="Tugaskan", exact=True).click()
    await colleague.page.locator("#priority").select_option("emergency")
    await colleague.page.get_by_role("button", name="Ubah prioritas").click()
    await expect(colleague.page.locator("#report-summary")).to_contain_text("Darurat", timeout=SLOW)

    details = desk.page.locator("#report-details")
    await expect(details).to_contain_text("Budi Teknisi", timeout=SLOW)
    await expect(desk.page.locator("#report-summary")).to_contain_text("Darurat", timeout=SLOW)
    timeline = desk.page.locator("#report-timeline")
    await expect(timeline).to_contain_text("Ditugaskan ke Budi Teknisi")
    await expect(timeline).to_contain_text("Prioritas: Biasa → Darurat")
    await expect(desk.page.locator("#assignee")).to_have_value("budi")
    await expect(desk.page.get_by_role("button", name="Tugaskan ke saya")).to_have_count(0)

    # A move the state machine refuses is written down, visibly marked, and changes nothing.
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        token = await http.post("/api/auth/token", json={"username": "sari", "password": admin_password})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        answer = await http.patch(f"/api/reports/{report_id}", json={"status": "resolved"}, headers=headers)
        assert answer.status_code == 202
    refused = timeline.locator(".s-tl-refused")
    await expect(refused).to_have_count(1, timeout=SLOW)
    await expect(refused).to_contain_text("Tidak diterapkan")
    await expect(refused).to_contain_text("Menunggu → Selesai")
    await expect(desk.status).to_have_text("Menunggu")

    # Nothing reloaded, and what the technician was typing is still there.
    assert await desk.same_document()
    await expect(desk.page.locator("#comment-body")).to_have_value("sedang saya ketik")

    # Rejecting needs a reason; the reason reaches the timeline.
    await desk.page.get_by_text("Tolak laporan", exact=True).click()
    await desk.page.locator("#reject-note").fill("Duplikat laporan lain")
    await desk.page.get_by_role("button", name="Tolak laporan ini").click()
    await expect(desk.status).to_have_text("Ditolak", timeout=SLOW)
    await expect(timeline).to_contain_text("Duplikat laporan lain")


async def test_a_change_from_a_stale_page_is_refused_and_the_page_says_why(
    browser: Browser, new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    password = await live_system.add_staff("budi", "technician")
    report_id = await submit_report(live_system)
    # Without JavaScript the page never refreshes itself: its buttons go stale.
    context = await browser.new_context(
        base_url=live_system.base_url, java_script_enabled=False, locale="id-ID"
    )
    try:
        stale = StaffDesk(await context.new_page())
        await stale.sign_in("budi", password)
        await stale.page.goto(f"/staff/reports/{report_id}")
        colleague = StaffDesk(await new_page(viewport=DESKTOP))
        await colleague.sign_in("budi", password)
        await colleague.page.goto(f"/staff/reports/{report_id}")
        await colleague.press("Mulai proses")
        await expect(colleague.status).to_have_text("Diproses", timeout=SLOW)

        await stale.press("Mulai proses")
        await expect(stale.page.locator("#sent-notice")).to_have_attribute(
            "data-state", re.compile("sent|refused")
        )
        deadline = time.monotonic() + SLOW / 1000
        while await stale.page.locator("#sent-notice").get_attribute("data-state") == "sent":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
            await stale.page.reload()
        await expect(stale.page.locator("#sent-notice")).to_have_text("Ditolak: laporan sudah berstatus itu")
        await expect(stale.page.locator(".s-tl-refused")).to_contain_text("Diproses → Diproses")
    finally:
        await context.close()


async def test_wrong_password_shows_one_generic_error_and_sets_no_session(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    await live_system.add_staff("budi", "technician")
    page: Page = await new_page(viewport=PHONE)
    desk = StaffDesk(page)
    messages = []
    for username, password in (("budi", "salah-sekali"), ("tidak-ada", "salah-sekali")):
        async with page.expect_response(re.compile(r"/staff/login$")) as answer:
            await desk.sign_in(username, password)
        assert (await answer.value).status == 401
        summary = page.locator("#error-summary")
        await expect(summary).to_be_visible()
        messages.append(await summary.locator("li").inner_text())
        await expect(page.locator("input[name=username]")).to_have_value(username)
        await expect(page.locator("input[name=password]")).to_have_value("")
    assert messages == ["Nama pengguna atau kata sandi salah"] * 2
    assert "lapor_session" not in {cookie["name"] for cookie in await page.context.cookies()}
    # The error links to the field it concerns.
    await page.locator("#error-summary a").click()
    await expect(page.locator("#username")).to_be_focused()


async def test_changes_without_a_csrf_token_are_refused_and_never_queued(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    password = await live_system.add_staff("budi", "technician")
    report_id = await submit_report(live_system)
    desk = StaffDesk(await new_page(viewport=DESKTOP))
    await desk.sign_in("budi", password)
    await desk.page.goto(f"/staff/reports/{report_id}")
    request = desk.page.request  # shares the signed-in browser's cookies

    form = await request.post(f"/staff/reports/{report_id}/change", form={"status": "in_progress"})
    assert form.status == 403
    forged = await request.post(
        f"/staff/reports/{report_id}/change", form={"status": "in_progress", "csrf_token": "0" * 64}
    )
    assert forged.status == 403
    comment = await request.post(f"/staff/reports/{report_id}/comment", form={"body": "halo"})
    assert comment.status == 403
    patch = await request.patch(f"/api/reports/{report_id}", data={"status": "in_progress"})
    assert patch.status == 403
    assert (await patch.json())["error"]["message"].startswith("Formulir kedaluwarsa")

    await asyncio.sleep(1)
    report = await (await request.get(f"/api/reports/{report_id}")).json()
    assert report["status"] == "pending"
    assert [entry["kind"] for entry in report["timeline"]] == ["created"]

    # The same request with the page's token goes through: the token was the only thing missing.
    token = await desk.csrf_token()
    accepted = await request.patch(
        f"/api/reports/{report_id}", data={"status": "in_progress"}, headers={"X-CSRF-Token": token}
    )
    assert accepted.status == 202
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        report = await wait_for_report(http, report_id, lambda r: r["status"] == "in_progress")
    assert report["status"] == "in_progress"


async def test_only_an_admin_sees_the_system_page_live(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    tech_password = await live_system.add_staff("budi", "technician")
    admin_password = await live_system.add_staff("sari", "admin", "Sari Admin")

    technician = StaffDesk(await new_page(viewport=PHONE))
    await technician.open_dashboard("budi", tech_password)
    await expect(technician.page.get_by_role("link", name="Sistem")).to_have_count(0)
    answer = await technician.page.goto("/staff/system")
    assert answer is not None and answer.status == 403
    await expect(technician.page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")

    admin = StaffDesk(await new_page(viewport=DESKTOP))
    await admin.open_dashboard("sari", admin_password)
    await admin.page.get_by_role("link", name="Sistem").click()
    await expect(admin.page.get_by_role("heading", level=1)).to_have_text("Keadaan sistem")
    status = await (await admin.page.request.get("/api/admin/status")).json()
    assert len(status["live_workers"]) == 1
    worker = admin.page.locator(f"#consumer-rows tr[data-consumer='{status['live_workers'][0]}']")
    await expect(worker).to_contain_text("Aktif")
    await expect(admin.page.locator("[data-stat=live_workers]")).to_have_text("1")
    # Polled every two seconds.
    await expect(admin.live).to_contain_text(re.compile(r"Diperbarui \d"), timeout=SLOW)

    # Signed out, the page's polling and the status API refuse the visitor.
    await admin.page.get_by_role("button", name="Keluar", exact=True).click()
    await expect(admin.page.locator("input[name=username]")).to_be_visible()
    assert (await admin.page.request.get("/api/admin/status")).status == 401


@pytest.mark.live_env(LAPOR_SLA_EMERGENCY_HOURS="0.0005")  # 1.8 seconds
async def test_reports_past_their_target_are_marked_overdue(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    password = await live_system.add_staff("budi", "technician")
    late = await submit_report(live_system, priority="emergency", description="Kabel terbuka di tangga")
    fresh = await submit_report(live_system, priority="normal", description="Kursi goyang di kelas")
    await asyncio.sleep(2)
    desk = StaffDesk(await new_page(viewport=PHONE))
    await desk.open_dashboard("budi", password)

    await expect(desk.row(late).locator(".s-badge-overdue")).to_have_text("Lewat batas waktu")
    await expect(desk.row(late)).to_have_class(re.compile(r"\bis-overdue\b"))
    await expect(desk.row(fresh).locator(".s-badge-overdue")).to_have_count(0)
    # Emergencies first.
    await expect(desk.rows.locator("tr").first).to_have_attribute("data-id", late)

    await desk.page.goto(f"/staff/reports/{late}")
    await expect(desk.page.locator("#report-summary .s-badge-overdue")).to_be_visible()
    await desk.page.goto(f"/staff/reports/{fresh}")
    await expect(desk.page.locator("#report-summary")).to_be_visible()
    await expect(desk.page.locator("#report-summary .s-badge-overdue")).to_have_count(0)


async def test_filters_narrow_the_live_table(new_page: Callable[..., Any], live_system: LiveSystem) -> None:
    password = await live_system.add_staff("budi", "technician")
    water = await submit_report(
        live_system, category="plumbing", priority="medium", description="Wastafel tersumbat"
    )
    light = await submit_report(live_system, priority="normal", description="Lampu koridor berkedip")
    desk = StaffDesk(await new_page(viewport=DESKTOP))
    await desk.open_dashboard("budi", password)
    await expect(desk.rows.locator("tr[data-id]")).to_have_count(2)

    await desk.page.locator("#f-category").select_option("plumbing")
    await desk.page.get_by_role("button", name="Terapkan").click()
    await expect(desk.rows.locator("tr[data-id]")).to_have_count(1)
    await expect(desk.row(water)).to_be_visible()
    await expect(desk.live).to_have_attribute("data-state", "live", timeout=SLOW)

    # A new report outside the filter does not appear; one inside it does, live.
    await desk.mark_document()
    await submit_report(live_system, priority="emergency", description="Korsleting di lab")
    flood = await submit_report(
        live_system, category="plumbing", priority="emergency", description="Pipa bocor di toilet"
    )
    await expect(desk.row(flood)).to_be_visible(timeout=SLOW)
    await expect(desk.rows.locator("tr[data-id]")).to_have_count(2)
    await expect(desk.rows.locator("tr").first).to_have_attribute("data-id", flood)
    await expect(desk.count("pending")).to_have_text("4")
    assert await desk.same_document()

    await desk.page.goto("/staff?status=all&q=lampu")
    await expect(desk.rows.locator("tr[data-id]")).to_have_count(1)
    await expect(desk.row(light)).to_be_visible()
    await desk.page.goto("/staff?priority=emergency&category=electrical")
    await expect(desk.rows.locator("tr[data-id]")).to_have_count(1)
    await expect(desk.rows).to_contain_text("Korsleting di lab")


async def test_the_staff_pages_speak_english_one_click_away(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    password = await live_system.add_staff("budi", "technician")
    await submit_report(live_system, priority="emergency")
    desk = StaffDesk(await new_page(viewport=DESKTOP))
    await desk.open_dashboard("budi", password)
    await desk.page.get_by_role("link", name="English").click()
    await expect(desk.page.locator("html")).to_have_attribute("lang", "en")
    await expect(desk.page.get_by_role("heading", level=1)).to_have_text("Incoming reports")
    await expect(desk.live).to_have_text("Live", timeout=SLOW)
    await expect(desk.rows).to_contain_text("Emergency")
    await expect(desk.rows).to_contain_text("Pending")
    await desk.rows.get_by_role("link").first.click()
    await expect(desk.page.get_by_role("button", name="Start work")).to_be_visible()


async def test_sign_out_everywhere_signs_out_the_other_browser_too(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    password = await live_system.add_staff("budi", "technician")
    phone = StaffDesk(await new_page(viewport=PHONE))
    await phone.open_dashboard("budi", password)
    desk = StaffDesk(await new_page(viewport=DESKTOP))
    await desk.open_dashboard("budi", password)

    await desk.page.get_by_role("button", name="Keluar dari semua perangkat").click()
    await expect(desk.page.locator("input[name=username]")).to_be_visible()
    # The phone still holds its cookie, and it is refused: its next page is the sign-in form.
    assert "lapor_session" in {cookie["name"] for cookie in await phone.page.context.cookies()}
    assert (await phone.page.request.get("/api/auth/me")).status == 401
    await phone.page.reload()
    await expect(phone.page.locator("input[name=username]")).to_be_visible()
    # Signing in again works.
    await phone.open_dashboard("budi", password)

"""The original project's two pages, unchanged, against a running Lapor (issue 16).

The pages in ``original_pages/`` are stand-ins written for these tests from what the original
pages do (the same requests, headers and parsing); Lapor serves them same-origin under
``/lama/`` through ``LAPOR_LEGACY_PAGES_DIR``, as an operator would serve their own copy.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Dialog, Page, expect

from tests.e2e.conftest import DESKTOP, IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.factories import PASSWORD, png_bytes

PAGES = Path(__file__).parent / "original_pages"
pytestmark = [IN_BROWSER_LOOP, pytest.mark.live_env(LAPOR_LEGACY_PAGES_DIR=str(PAGES))]
SLOW = 15_000  # ms


async def staff_signed_in(new_page: Callable[..., Any], live_system: LiveSystem) -> Page:
    """A technician's browser, signed in at /staff (the session cookie the old page rides on)."""
    password = await live_system.add_staff("tek", "technician", "Teknisi Satu")
    page: Page = await new_page(viewport=DESKTOP)
    await page.goto("/staff")
    await page.locator("input[name=username]").fill("tek")
    await page.locator("input[name=password]").fill(password)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("heading", name="Laporan masuk")).to_be_visible(timeout=SLOW)
    return page


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.1)  # polling a condition, not waiting a guessed time


async def test_a_report_from_the_old_student_page_is_closed_from_the_old_admin_page(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    student: Page = await new_page(viewport=PHONE)
    await student.goto("/lama/")
    await student.locator("#nama").fill("Muhammad Jepri")
    await student.locator("#lokasi").fill("T.31")
    await student.locator("#prioritas").select_option("Sedang")
    await student.locator("#deskripsi").fill("AC rusak, ruangan panas sekali sejak pagi")
    await student.locator("#foto").set_input_files(
        {"name": "ac.png", "mimeType": "image/png", "buffer": png_bytes(200, 120)}
    )
    await student.get_by_role("button", name="Kirim Laporan").click()
    report_id = student.locator("#laporan-id")
    await expect(report_id).to_have_text(re.compile(r"^[0-9a-f-]{36}$"), timeout=SLOW)
    # Stored by the worker: the original's "in the technician's hands".
    status = student.locator("#status-text")
    await expect(status).to_have_text("⚙️ SEDANG DIPERBAIKI TEKNISI", timeout=SLOW)
    new_id = await report_id.inner_text()

    admin = await staff_signed_in(new_page, live_system)

    async def photo_rendered() -> bool:
        rows = await (await admin.request.get("/api/semua_laporan")).json()
        return any(row["id"] == new_id and row["foto"] for row in rows)

    await until(photo_rendered, "the photo is rendered")
    await admin.goto("/lama/admin.html")
    row = admin.locator(f"tr[data-id='{new_id}']")
    await expect(row).to_contain_text("T.31")
    await expect(row).to_contain_text("Muhammad Jepri")
    await expect(row).to_contain_text("AC rusak, ruangan panas sekali sejak pagi")
    await expect(row.locator("td.status")).to_have_text("DIPROSES_TEKNISI")
    photo_link = row.get_by_role("link", name="Foto")
    href = await photo_link.get_attribute("href")
    assert href and href.startswith("/static/uploads/")
    async with admin.context.expect_page() as opened:
        await photo_link.click()
    photo_tab = await opened.value
    answer = await photo_tab.request.get(href)
    assert answer.status == 200 and answer.headers["content-type"] == "image/jpeg"

    confirmations: list[str] = []

    async def accept(dialog: Dialog) -> None:
        confirmations.append(dialog.message)
        await dialog.accept()

    admin.on("dialog", accept)
    await row.get_by_role("button", name="Selesai").click()
    await expect(status).to_have_text("✅ SELESAI DIPERBAIKI", timeout=SLOW)
    assert confirmations == ["Yakin kerusakan ini sudah diperbaiki?"]
    await admin.get_by_role("button", name="Refresh Data").click()
    await expect(row.locator("td.status")).to_have_text("SELESAI", timeout=SLOW)
    await expect(row).to_contain_text("Tuntas")

    # Lapor's own record of it: both moves, by the technician signed in.
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        signed_in = await http.post("/api/auth/token", json={"username": "tek", "password": PASSWORD})
        token = signed_in.json()["access_token"]
        view = (await http.get(f"/api/reports/{new_id}", headers={"Authorization": f"Bearer {token}"})).json()
    moves = [(e["from_status"], e["status"]) for e in view["timeline"] if e["kind"] == "status"]
    assert moves == [("pending", "in_progress"), ("in_progress", "resolved")]


async def test_a_script_in_a_description_shows_as_text_on_the_old_admin_page(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    attack = '<img src=x onerror="window.__pwned = 1"> AC bocor di lab'
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        accepted = await http.post(
            "/api/lapor",
            data={
                "nama": '<b onmouseover="window.__pwned = 2">Iseng</b>',
                "lokasi": "Lab 2",
                "deskripsi": attack,
            },
        )
        assert accepted.status_code == 202, accepted.text
    report_id = accepted.json()["id_laporan"]
    admin = await staff_signed_in(new_page, live_system)
    await admin.goto("/lama/admin.html")
    row = admin.locator(f"tr[data-id='{report_id}']")
    await expect(row.locator("td.masalah")).to_have_text(attack, timeout=SLOW)
    await expect(row).to_contain_text("<b onmouseover=")
    assert await row.locator("img").count() == 0 and await row.locator("td b[onmouseover]").count() == 0
    assert await admin.evaluate("window.__pwned") is None


async def test_a_refused_report_makes_the_old_student_page_alert(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    student: Page = await new_page(viewport=PHONE)
    await student.goto("/lama/")
    alerts: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        alerts.append(dialog.message)
        await dialog.dismiss()

    student.on("dialog", dismiss)
    await student.locator("#nama").fill("Sari")
    await student.locator("#lokasi").fill("Toilet lt. 1")
    await student.locator("#deskripsi").fill("Gatau")  # under our minimum: a 422
    async with student.expect_response("**/api/lapor") as answered:
        await student.get_by_role("button", name="Kirim Laporan").click()
    response = await answered.value
    assert response.status == 422 and response.headers["content-type"].startswith("text/plain")
    await until(lambda: _truthy(alerts), "the page alerts")
    assert alerts == ["Gagal kirim. Server mati?"]
    await expect(student.locator("#hasil")).to_be_hidden()
    assert await student.locator("#laporan-id").inner_text() == ""  # never "undefined"


async def _truthy(values: list[str]) -> bool:
    return bool(values)

"""Places in a real browser: a QR code decoded out of the label PDF opens the room page on a phone,
which shows the room's open report, leads to the form with the room filled in, and shows a new
report of the room live (issue 13, "Done when")."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import IN_BROWSER_LOOP, LiveSystem
from tests.e2e.test_student import SLOW, staff_headers

pytestmark = IN_BROWSER_LOOP

PLACES_CSV = """code,building,floor,name,name_en,building_name
GDA-201,GDA,2,Ruang Kuliah 201,Lecture Room 201,Gedung A
GDA-202,GDA,2,Ruang Kuliah 202,,Gedung A
"""


class RoomPage:
    """The page a door's QR code opens."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.reports = page.locator(".room-reports .room-report")

    async def open(self, path: str) -> None:
        await self.page.goto(path)
        await expect(self.page.get_by_role("heading", level=1)).to_have_text("Ruang Kuliah 201")

    def report(self, title: str) -> Any:
        return self.reports.filter(has_text=title)

    async def report_something_else(self) -> None:
        await self.page.get_by_role("link", name="Laporkan hal lain di sini").click()


async def import_places(env: dict[str, str], tmp_path: Path) -> None:
    """`lapor places import` against the live system's worker."""
    path = tmp_path / "places.csv"
    path.write_text(PLACES_CSV, encoding="utf-8")
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "lapor", "places", "import", str(path), "--wait", "60"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "2 rooms added" in done.stdout


async def decoded_label(live_system: LiveSystem, headers: dict[str, str]) -> str:
    """The text of the QR code on the first label of building GDA, as a phone's camera reads it."""
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    async with httpx.AsyncClient(base_url=live_system.base_url, headers=headers) as http:
        pdf = await http.get("/api/admin/places/labels.pdf", params={"rooms": "GDA-201"})
    assert pdf.status_code == 200, pdf.text
    image = pdfium.PdfDocument(io.BytesIO(pdf.content))[0].render(scale=1.5).to_pil()
    (code,) = zxingcpp.read_barcodes(image)
    text: str = code.text
    return text


async def no_accessibility_violations(page: Page) -> None:
    """No violation of axe-core's WCAG 2.1 A and AA rules on the page as it is now."""
    from axe_playwright_python.async_playwright import Axe

    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    assert results.violations_count == 0, results.generate_report()


async def test_a_phone_scans_the_label_sees_the_room_and_a_new_report_appears_live(
    new_page: Callable[..., Any],
    live_system: LiveSystem,
    env_for: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    await import_places(env_for(), tmp_path)
    headers = await staff_headers(live_system)
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        fields = {
            "reporter_name": "Dewi",
            "category": "electrical",
            "location": "depan papan tulis",
            "description": "Proyektor tidak mau menyala sejak pagi.",
            "room": "GDA-201",
        }
        assert (await http.post("/api/reports", data=fields)).status_code == 202

    url = await decoded_label(live_system, headers)
    assert url == f"{live_system.settings.resolved_public_url}/q/GDA-201"
    watcher = RoomPage(await new_page())
    await watcher.open(urlsplit(url).path)  # the label's address, on this test's server
    await expect(watcher.report("Proyektor tidak mau menyala sejak pagi.")).to_be_visible(timeout=SLOW)

    # A second student at the same door follows "report something else here".
    reporter = RoomPage(await new_page())
    await reporter.open("/q/gda-201")
    await reporter.report_something_else()
    form = reporter.page
    await expect(form.locator("#room")).to_have_value("GDA-201")
    await no_accessibility_violations(form)
    # Search as you type: the field's suggestions come from GET /api/places.
    await form.locator("#room").fill("kuliah 20")
    await expect(form.locator("#room-options option")).to_have_count(2)
    await expect(form.locator("#room-options option").first).to_have_attribute("value", "GDA-201")
    await form.locator("#room").fill("GDA-201")
    await form.get_by_label("Nama Anda").fill("Ani Mahasiswa")
    await form.get_by_label("Kategori").select_option("furniture")
    await form.get_by_label("Apa yang rusak?").fill("Kursi baris depan patah kakinya.")
    await form.get_by_role("button", name="Kirim laporan").click()
    await form.wait_for_url("**/r/*", timeout=SLOW)

    # The first phone, untouched, shows it without a reload.
    await expect(watcher.report("Kursi baris depan patah kakinya.")).to_be_visible(timeout=SLOW)
    await expect(watcher.reports).to_have_count(2)
    await no_accessibility_violations(watcher.page)


async def test_an_unknown_room_is_a_friendly_page_with_the_form_a_click_away(
    new_page: Callable[..., Any],
) -> None:
    page: Page = await new_page()
    answer = await page.goto("/q/NOPE-404")
    assert answer is not None and answer.status == 404
    await no_accessibility_violations(page)
    await page.get_by_role("link", name="Buka formulir laporan").click()
    await expect(page.get_by_label("Nama Anda")).to_be_visible()

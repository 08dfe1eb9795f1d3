"""Nothing lost without a signal (issue 17): the report form keeps a report on the phone when the
server cannot be reached, sends it by itself once the network is back — exactly once, even when
the first attempt reached the server and only its answer was lost — and shrinks the photo first.

The network is cut by aborting every request of the browser context, the service worker's
included (Playwright's offline mode does not reach service-worker requests), and Background
Sync is fired through the DevTools protocol (going online in a test fires no `sync` event).
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright, expect
from sqlalchemy import func, select

from lapor.store.engine import create_engine
from lapor.store.models import Report
from tests.e2e.conftest import CHROMIUM, IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.e2e.dropping_proxy import dropping_proxy
from tests.e2e.offline_pages import (
    MyReports,
    cached_bodies,
    cached_urls,
    camera_jpeg,
    dispatch_sync,
    has_gps,
    service_worker_controls,
    stored_mine,
    wcag_violations,
    worker_send_failed,
)
from tests.e2e.test_student import REPORT_URL, SLOW, fill_report

pytestmark = IN_BROWSER_LOOP


async def stored_count(live_system: LiveSystem, description: str, *, at_least: int = 1) -> int:
    """How many reports with ``description`` the database holds, once it holds ``at_least``."""
    engine = create_engine(live_system.settings.resolved_database_url)
    found = 0
    try:
        for _ in range(300):
            async with engine.connect() as conn:
                query = select(func.count()).select_from(Report).where(Report.description == description)
                found = (await conn.execute(query)).scalar_one()
            if found >= at_least:
                return found
            await asyncio.sleep(0.05)  # polling the database for the worker's commit
        return found
    finally:
        await engine.dispose()


def photo_part(body: bytes, content_type: str) -> bytes:
    """The photo's bytes in a multipart/form-data body."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "photo":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError("no photo in the request")


def header(headers: dict[str, str], name: str) -> str:
    return next(v for k, v in headers.items() if k.lower() == name.lower())


async def cut_network(context: BrowserContext) -> None:
    # Every request of the context fails as without a signal: the pages', and (Playwright ≥ 1.48,
    # Chromium) the service worker's own; older versions needed the variable set below.
    await context.route("**/*", lambda route: route.abort("internetdisconnected"))


async def restore_network(context: BrowserContext) -> None:
    await context.unroute("**/*")


async def phone(playwright: Playwright, profile: Path, base_url: str) -> tuple[BrowserContext, Page]:
    """Chromium with a profile on disk: closing it and launching it again is a phone restarted."""
    context = await playwright.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        base_url=base_url,
        viewport=PHONE,
        locale="id-ID",
    )
    page = context.pages[0] if context.pages else await context.new_page()
    return context, page


async def test_a_report_made_without_signal_waits_survives_a_restart_and_is_stored_once(
    live_system: LiveSystem, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
    description = "Stopkontak di ruang lab basement berasap, tidak ada sinyal di sini"
    title = description[:40]
    photo = camera_jpeg(tmp_path / "asap.jpg", (1600, 1200))
    profile = tmp_path / "profile"
    async with async_playwright() as playwright:
        context, page = await phone(playwright, profile, live_system.base_url)
        await page.goto("/")
        await service_worker_controls(page)  # the form was visited once, with a signal

        await cut_network(context)
        worker_tried = worker_send_failed(context)
        await fill_report(page, description=description)
        await page.locator("#photo").set_input_files(photo)
        await page.get_by_role("button", name="Kirim laporan").click()
        mine = MyReports(page)
        await expect(mine.saved_banner).to_be_visible(timeout=SLOW)
        await expect(mine.saved_banner).to_contain_text("Laporan disimpan di ponsel ini")
        await expect(mine.saved_banner).to_contain_text("terkirim otomatis")
        await expect(mine.waiting_item(title)).to_contain_text("Menunggu sinyal")
        await expect(mine.waiting_item(title)).to_contain_text("disimpan")
        await expect(page.get_by_label("Apa yang rusak?")).to_have_value("")  # ready for another

        # Reloaded without a signal: the form comes from the service worker, the report is there.
        await page.reload()
        await expect(page.locator("h1")).to_have_text("Laporkan kerusakan fasilitas")
        await expect(mine.waiting_item(title)).to_be_visible()
        # Closed once that attempt is over: a request still held by the route would hold the close.
        await asyncio.wait_for(worker_tried, timeout=SLOW / 1000)
        await context.close()

        # The phone restarted, still without a signal.
        context, page = await phone(playwright, profile, live_system.base_url)
        await context.grant_permissions(["notifications"], origin=live_system.base_url)
        await cut_network(context)
        await page.goto("/")
        mine = MyReports(page)
        await expect(mine.waiting_item(title)).to_be_visible(timeout=SLOW)
        assert await stored_count(live_system, description, at_least=0) == 0

        # The network is back: Chromium fires the sync event, the service worker sends the report.
        await restore_network(context)
        await dispatch_sync(page, live_system.base_url)
        await expect(mine.sent_link(title)).to_be_visible(timeout=SLOW)
        await expect(mine.waiting).to_have_count(0)
        href = await mine.sent_link(title).get_attribute("href")
        assert href is not None and REPORT_URL.search(href)
        assert await stored_count(live_system, description) == 1
        # Sent in the background: the student is told, and a tap opens the report.
        shown = await page.evaluate(
            """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                 .map((n) => ({ title: n.title, body: n.body, url: n.data && n.data.url }))"""
        )
        assert shown == [
            {
                "title": "Laporan terkirim",
                "body": f"“{description}” sudah diterima. Ketuk untuk melihat statusnya.",
                "url": href,
            }
        ]
        entries = await stored_mine(page)
        assert entries[0]["id"] == href.rsplit("/", 1)[1] and len(entries[0]["token"]) >= 20

        # Its tracking page opens with the reporter's view (the token came from IndexedDB).
        await mine.sent_link(title).click()
        await expect(page.locator("#description")).to_have_text(description, timeout=SLOW)
        await expect(page.locator("#public-only")).to_be_hidden()
        await context.close()
    assert os.environ.get("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS") == "1"


async def test_an_answer_lost_in_transit_is_resent_once_with_the_same_key_and_a_small_photo(
    browser: Browser, live_system: LiveSystem, tmp_path: Path
) -> None:
    original = camera_jpeg(tmp_path / "kamera.jpg")  # 4000×3000, shown turned, with GPS
    assert has_gps(original.read_bytes())
    description = "Plafon ruang kuliah B203 retak dan air menetes ke meja dosen"
    title = description[:40]

    signal = {"lost": True}

    def lose_answers(method: str, path: str, before: int) -> bool:
        # Chromium itself sends a POST again once when a reused connection closes unanswered:
        # every answer is lost until the signal is back.
        return method == "POST" and path == "/api/reports" and signal["lost"]

    async with dropping_proxy(live_system.base_url, lose_answers) as proxy:
        context = await browser.new_context(base_url=proxy.url, viewport=PHONE, locale="id-ID")
        try:
            page = await context.new_page()
            await page.goto("/")
            await fill_report(page, description=description)
            await page.locator("#photo").set_input_files(original)
            await page.get_by_role("button", name="Kirim laporan").click()
            mine = MyReports(page)
            await expect(mine.saved_banner).to_be_visible(timeout=SLOW)
            # The server has it already, but the phone could not know.
            assert await stored_count(live_system, description) == 1

            signal["lost"] = False
            await mine.send_now(title)
            await expect(mine.sent_link(title)).to_be_visible(timeout=SLOW)
            await expect(mine.waiting).to_have_count(0)
        finally:
            await context.close()

    *lost, delivered = proxy.posts("/api/reports")
    assert lost and all(f.dropped for f in lost) and not delivered.dropped
    attempts = [*lost, delivered]
    assert {f.status for f in attempts} == {202}
    assert len({header(f.headers, "Idempotency-Key") for f in attempts}) == 1
    assert {f.answer for f in attempts} == {delivered.answer}  # the stored answer: one report, one token
    assert await stored_count(live_system, description) == 1
    sent = {photo_part(f.body, header(f.headers, "Content-Type")) for f in attempts}
    assert len(sent) == 1  # shrunk once, kept, and sent again byte for byte
    photo_bytes = sent.pop()
    with Image.open(io.BytesIO(photo_bytes)) as photo:
        assert photo.format == "JPEG"
        assert photo.size == (1536, 2048)  # the long side at most 2048, the camera's turn applied
        assert not photo.getexif()  # no EXIF at all: no GPS, no maker
        assert "exif" not in photo.info
    assert len(photo_bytes) < original.stat().st_size


async def test_a_refused_report_is_kept_marked_and_offered_for_editing(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    page: Page = await new_page()
    await page.goto("/")
    delays = await page.evaluate(
        """async () => {
          const { retryDelay } = await import("/static/js/outbox.js");
          const fixed = (value) => () => value;
          return [retryDelay(1, 0, fixed(0)), retryDelay(1, 0, fixed(1)), retryDelay(4, 0, fixed(0)),
                  retryDelay(30, 0, fixed(1)), retryDelay(1, 120, fixed(0))];
        }"""
    )
    # Half fixed, half random; doubling; capped at 15 minutes; never before Retry-After.
    assert delays == [5_000, 10_000, 40_000, 900_000, 120_000]

    # The context's routes cover the service worker too: its Background Sync must not send it.
    context = page.context
    await context.route("**/api/reports", lambda route: route.abort("internetdisconnected"))
    worker_tried = worker_send_failed(context)
    description = "Kursi lipat di aula patah, kakinya lepas"
    await fill_report(page, description=description)
    await page.get_by_role("button", name="Kirim laporan").click()
    mine = MyReports(page)
    await expect(mine.waiting_item(description[:30])).to_be_visible(timeout=SLOW)
    await page.locator("#my-reports details summary").click()  # the limits, open
    assert await wcag_violations(page) == ""

    await asyncio.wait_for(worker_tried, timeout=SLOW / 1000)
    # Meanwhile the category was retired: the server refuses the report with a 422.
    refusal = {
        "error": {
            "code": "validation_error",
            "message": "Kategori tidak dikenal",
            "fields": {"category": "Kategori tidak dikenal"},
        }
    }
    await context.unroute("**/api/reports")
    await context.route("**/api/reports", lambda route: route.fulfill(status=422, json=refusal))
    await mine.send_now(description[:30])
    item = mine.waiting_item(description[:30])
    await expect(item).to_contain_text("Ditolak server", timeout=SLOW)
    await expect(item).to_contain_text("Kategori tidak dikenal")
    await page.reload()
    await expect(item).to_contain_text("Ditolak server")  # kept, not dropped
    assert await wcag_violations(page) == ""

    await item.get_by_role("button", name="Perbaiki").click()
    await expect(page.get_by_label("Apa yang rusak?")).to_have_value(description)
    await expect(page.locator("#category-error")).to_contain_text("Kategori tidak dikenal")
    await context.unroute("**/api/reports")
    await page.get_by_label("Kategori").select_option("furniture")
    await page.get_by_role("button", name="Kirim laporan").click()
    await page.wait_for_url(REPORT_URL, timeout=SLOW)
    await page.goto("/")
    await expect(mine.sent_link(description[:30])).to_be_visible()
    await expect(mine.waiting).to_have_count(0)  # the corrected one replaced it


async def test_the_service_worker_keeps_the_shell_only_never_anyones_data(
    new_page: Callable[..., Any], live_system: LiveSystem, tmp_path: Path
) -> None:
    page: Page = await new_page()
    await page.goto("/")
    # A report remembered by the old version of the page (localStorage) moves to IndexedDB.
    old = {"id": "00000000-0000-4000-8000-000000000001", "token": "t" * 24, "title": "Laporan lama"}
    await page.evaluate("(old) => localStorage.setItem('lapor.myReports', JSON.stringify([old]))", old)
    await page.reload()
    mine = MyReports(page)
    await expect(mine.sent_link("Laporan lama")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('lapor.myReports')") is None
    assert [entry["id"] for entry in await stored_mine(page)] == [old["id"]]
    await service_worker_controls(page)

    description = "Keran wastafel toilet lantai 3 bocor terus, lantai licin"
    await fill_report(page, description=description)
    await page.locator("#photo").set_input_files(camera_jpeg(tmp_path / "keran.jpg", (800, 600)))
    await page.get_by_role("button", name="Kirim laporan").click()
    await page.wait_for_url(REPORT_URL, timeout=SLOW)
    # The reporter's view (the API with the token), the list, a staff page: none of it is kept.
    await expect(page.locator("#description")).to_have_text(description, timeout=SLOW)
    await page.evaluate("fetch('/api/reports').then((answer) => answer.text())")
    await page.goto("/staff/login")
    await page.goto("/staff")
    await page.goto("/")
    await expect(mine.sent_link(description[:30])).to_be_visible()

    urls = await cached_urls(page)
    assert f"{live_system.base_url}/" in urls
    for url in urls:
        path = url.removeprefix(live_system.base_url)
        assert path == "/" or path == "/manifest.webmanifest" or path.startswith("/static/"), url
    bodies = await cached_bodies(page)
    for private in (description, "Ani Mahasiswa", "ani@kampus.ac.id", old["token"]):
        assert private not in bodies

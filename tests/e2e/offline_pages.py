"""Page objects and helpers for the report form's offline side (issue 17): what waits on the phone,
the service worker's cache, and a photo the way a phone's camera makes it."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

from axe_playwright_python.async_playwright import Axe
from PIL import Image
from playwright.async_api import BrowserContext, CDPSession, Locator, Page, Request

SYNC_TAG = "lapor-outbox"

# GPS IFD (0x8825): latitude -6.3628, longitude 106.8269 (a campus in Depok), as a camera writes it.
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def camera_jpeg(path: Path, size: tuple[int, int] = (4000, 3000), *, orientation: int = 6) -> Path:
    """A phone-camera JPEG: ``size`` as stored, an EXIF orientation (6: turn 90° clockwise to show)
    and a GPS position, made with Pillow's own EXIF writer."""
    width, height = size
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (gradient, gradient.rotate(90).resize((width, height)), gradient.transpose(0)))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update(
        {1: "S", 2: (6.0, 21.0, 46.08), 3: "E", 4: (106.0, 49.0, 36.84)}  # GPSLatitude…, GPSLongitude…
    )
    image.save(path, "JPEG", quality=90, exif=exif)
    return path


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get_ifd(GPS_IFD))


WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


async def wcag_violations(page: Page) -> str:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now ("" when none)."""
    results = await Axe().run(page, options={**WCAG_21_AA, "resultTypes": ["violations"]})
    return "" if results.violations_count == 0 else results.generate_report()


class MyReports:
    """The "my reports" box of the report form: waiting reports first, then the sent ones."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.box = page.locator("#my-reports")
        self.waiting = page.locator("#my-reports-waiting > li")
        self.sent = page.locator("#my-reports-list > li")
        self.saved_banner = page.locator("#saved-offline")

    def waiting_item(self, title: str) -> Locator:
        return self.waiting.filter(has_text=title)

    def sent_link(self, title: str) -> Locator:
        return self.page.locator("#my-reports-list a.my-reports__link", has_text=title)

    async def send_now(self, title: str) -> None:
        await self.waiting_item(title).get_by_role("button", name="Kirim sekarang").click()


def worker_send_failed(context: BrowserContext) -> asyncio.Future[None]:
    """Done once the service worker's own attempt to send a report has failed. Chromium believes
    it is online, so Background Sync fires at once; routes must not change (nor the browser close)
    while that request is held by a route."""
    failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def seen(request: Request) -> None:
        if request.method == "POST" and request.service_worker is not None and not failed.done():
            failed.set_result(None)

    context.on("requestfailed", seen)
    return failed


async def stored_mine(page: Page) -> list[dict[str, Any]]:
    """The "my reports" entries this browser keeps (IndexedDB), newest first."""
    items: list[dict[str, Any]] = await page.evaluate(
        """async () => {
          const { openMine } = await import("/static/js/my-reports.js");
          return openMine();
        }"""
    )
    return items


async def service_worker_controls(page: Page) -> None:
    """Wait until the service worker controls the page and has kept the form's shell."""
    # A synchronous predicate: wait_for_function would take an async one's promise for "true".
    await page.wait_for_function(
        "() => Boolean(navigator.serviceWorker.controller)", polling=100, timeout=20_000
    )
    assert await page.evaluate("""async () => Boolean(await caches.match("/"))""")


async def cached_urls(page: Page) -> list[str]:
    urls: list[str] = await page.evaluate(
        """async () => {
          const urls = [];
          for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
          }
          return urls;
        }"""
    )
    return urls


async def cached_bodies(page: Page) -> str:
    text: str = await page.evaluate(
        """async () => {
          let all = "";
          for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) all += await (await cache.match(request)).text();
          }
          return all;
        }"""
    )
    return text


async def registration_id(cdp: CDPSession, scope: str) -> str:
    """The DevTools id of the service worker registration for ``scope``."""
    found: dict[str, str] = {}

    def seen(params: dict[str, Any]) -> None:
        for registration in params["registrations"]:
            if registration["scopeURL"] == scope and not registration["isDeleted"]:
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    await cdp.send("ServiceWorker.enable")
    for _ in range(200):
        if "id" in found:
            return found["id"]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no service worker registration for {scope}")


async def dispatch_sync(page: Page, base_url: str) -> None:
    """Fire the service worker's Background Sync event, as Chromium does when the network is back
    (going online in a test fires none)."""
    cdp = await page.context.new_cdp_session(page)
    registration = await registration_id(cdp, f"{base_url}/")
    await cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {"origin": base_url, "registrationId": registration, "tag": SYNC_TAG, "lastChance": False},
    )

"""Web Push in Chromium: the service worker and manifest, and a real push shown by the worker.

Chromium cannot reach a real push service here, so ``PushManager.subscribe`` is replaced by one
that answers with a subscription on the test's own push service (tests/pushservice.py). From
there on everything is real: the page sends it to the API, the worker stores it, the notifier
encrypts and signs the push, the push service decrypts it, and DevTools hands that very
payload to the page's service worker, which shows it.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import CDPSession, Page, expect
from sqlalchemy import func, select

from lapor.store.engine import create_engine
from lapor.store.models import PushSubscription
from tests.e2e.conftest import DESKTOP, IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.e2e.test_staff import StaffDesk, submit_report
from tests.e2e.test_student import SLOW, fill_report
from tests.pushservice import Browser, PushService

pytestmark = IN_BROWSER_LOOP

REPORT_URL = re.compile(r"/r/([0-9a-f-]{36})$")


def fake_push_manager(subscription: dict[str, Any]) -> str:
    """An init script: ``PushManager.subscribe`` answers with ``subscription`` (on the test's own
    push service) instead of asking a real push service, which Chromium cannot reach here."""
    return (
        "(() => {"
        f"const subscription = {json.dumps(subscription)};"
        """
        const fake = {
          endpoint: subscription.endpoint,
          options: { applicationServerKey: null },
          toJSON: () => subscription,
          unsubscribe: async () => true,
        };
        window.__subscribed = 0;
        PushManager.prototype.getSubscription = async () => null;
        PushManager.prototype.subscribe = async (options) => {
          window.__subscribed += 1;
          fake.options = options;
          return fake;
        };
        })();"""
    )


async def stored_subscriptions(live_system: LiveSystem, expected: int) -> None:
    """Wait until the worker has stored ``expected`` push subscriptions."""
    engine = create_engine(live_system.settings.resolved_database_url)
    try:
        for _ in range(100):
            async with engine.connect() as conn:
                found = (await conn.execute(select(func.count()).select_from(PushSubscription))).scalar_one()
            if found == expected:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"expected {expected} stored push subscriptions, found {found}")
    finally:
        await engine.dispose()


async def service_worker_ready(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate(
        """async () => {
          const registration = await navigator.serviceWorker.register("/sw.js", { type: "module" });
          await navigator.serviceWorker.ready;
          return { scope: registration.scope, script: registration.active.scriptURL };
        }"""
    )
    return result


async def registration_id(cdp: CDPSession, scope: str) -> str:
    """The DevTools id of the service worker registration for ``scope``."""
    found: dict[str, str] = {}

    def seen(params: dict[str, Any]) -> None:
        for registration in params["registrations"]:
            if registration["scopeURL"] == scope and not registration["isDeleted"]:
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    await cdp.send("ServiceWorker.enable")
    for _ in range(100):
        if "id" in found:
            return found["id"]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no service worker registration for {scope}")


async def shown_notifications(page: Page, count: int) -> list[dict[str, Any]]:
    for _ in range(100):
        shown: list[dict[str, Any]] = await page.evaluate(
            """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                 .map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url }))"""
        )
        if len(shown) >= count:
            return shown
        await asyncio.sleep(0.1)
    raise AssertionError(f"expected {count} notifications, saw {shown}")


async def test_service_worker_registers_and_manifest_makes_it_installable(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    page: Page = await new_page(viewport=PHONE)
    await page.goto("/")
    registered = await service_worker_ready(page)
    assert registered["scope"] == f"{live_system.base_url}/"  # the whole site
    assert registered["script"] == f"{live_system.base_url}/sw.js"

    cdp = await page.context.new_cdp_session(page)
    manifest = await cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{live_system.base_url}/manifest.webmanifest"
    assert manifest["errors"] == []
    parsed = json.loads(manifest["data"])
    assert parsed["name"] == "Lapor Kampus" and parsed["lang"] == "id"
    assert parsed["display"] == "standalone" and parsed["start_url"] == "/"
    installability = await cdp.send("Page.getInstallabilityErrors")
    # Playwright's contexts are incognito, where Chromium installs nothing; anything else would be ours.
    errors = [e["errorId"] for e in installability["installabilityErrors"]]
    assert errors == ["in-incognito"]
    with httpx.Client(base_url=live_system.base_url) as http:
        for icon in parsed["icons"]:
            answer = http.get(icon["src"])
            assert answer.status_code == 200 and answer.headers["content-type"] == icon["type"]
            if icon["type"] == "image/png":
                size = Image.open(io.BytesIO(answer.content)).size
                assert f"{size[0]}x{size[1]}" == icon["sizes"]


@pytest.mark.live_env(LAPOR_PUSH_ALLOW_INSECURE="true")
async def test_a_resolved_report_reaches_the_service_worker_as_a_push(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    browser_keys = Browser()
    with PushService() as service:
        service.register("phone", browser_keys)
        subscription = browser_keys.subscription(service.endpoint("phone"))
        page: Page = await new_page(viewport=PHONE)
        await page.context.grant_permissions(["notifications"], origin=live_system.base_url)
        await page.add_init_script(fake_push_manager(subscription))
        await page.goto("/")
        await fill_report(page)
        await page.get_by_role("button", name="Kirim laporan").click()
        await page.wait_for_url(REPORT_URL, timeout=SLOW)
        report_id = REPORT_URL.search(page.url).group(1)  # type: ignore[union-attr]

        # Allowed already: the page subscribes this report without asking again.
        await expect(page.locator("#notify-status")).to_contain_text(
            "juga saat halaman ini ditutup", timeout=SLOW
        )
        assert await page.evaluate("window.__subscribed") == 1
        service.expected_vapid_key = httpx.get(f"{live_system.base_url}/api/push/vapid-public-key").json()[
            "public_key"
        ]

        password = await live_system.add_staff("admin", "admin", "Admin Fasilitas")
        with httpx.Client(base_url=live_system.base_url) as http:
            signed_in = http.post("/api/auth/token", json={"username": "admin", "password": password})
            headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            for change in ({"status": "in_progress"}, {"status": "resolved", "note": "Lampu sudah diganti"}):
                assert (
                    http.patch(f"/api/reports/{report_id}", json=change, headers=headers).status_code == 202
                )
        deliveries = await service.async_wait_for_deliveries(2, timeout=20)
        payloads = [d.json() for d in deliveries]
        assert [p["status"] for p in payloads] == ["in_progress", "resolved"]
        assert payloads[1]["title"] == "Laporan Anda selesai ✅"
        assert service.rejected == []

        # What the push service received is what the browser's service worker gets and shows.
        scope = f"{live_system.base_url}/"
        cdp = await page.context.new_cdp_session(page)
        errors: list[dict[str, Any]] = []
        cdp.on("ServiceWorker.workerErrorReported", lambda params: errors.append(params))
        worker_registration = await registration_id(cdp, scope)
        await cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": live_system.base_url,
                "registrationId": worker_registration,
                "data": deliveries[1].payload.decode(),
            },
        )
        shown = await shown_notifications(page, 1)
        assert shown[0]["title"] == "Laporan Anda selesai ✅"
        assert "Lampu sudah diganti" in shown[0]["body"]
        assert shown[0]["tag"] == f"lapor-{report_id}"
        assert shown[0]["url"] == f"{live_system.base_url}/r/{report_id}"
        assert errors == []  # the worker ran without a CSP or script error


@pytest.mark.live_env(LAPOR_PUSH_ALLOW_INSECURE="true")
async def test_staff_turn_on_notifications_and_hear_of_a_new_emergency(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    password = await live_system.add_staff("sari", "admin", "Sari Admin")
    keys = Browser()
    with PushService() as service:
        service.register("desk", keys)
        page: Page = await new_page(viewport=DESKTOP)
        await page.context.grant_permissions(["notifications"], origin=live_system.base_url)
        await page.add_init_script(fake_push_manager(keys.subscription(service.endpoint("desk"))))
        desk = StaffDesk(page)
        await desk.open_dashboard("sari", password)
        await page.get_by_role("button", name="Nyalakan notifikasi").click()
        # A cookie-authenticated request: it went through only with the page's CSRF token.
        await expect(page.locator("#staff-push-status")).to_have_text(
            "Notifikasi aktif di perangkat ini: laporan darurat baru dan tugas Anda.", timeout=SLOW
        )
        await expect(page.get_by_role("button", name="Nyalakan notifikasi")).to_be_hidden()
        await stored_subscriptions(live_system, 1)

        report_id = await submit_report(live_system, priority="emergency")
        push = (await service.async_wait_for_deliveries(1, timeout=20))[0].json()
        assert push["title"] == "🔴 Laporan darurat"
        assert push["url"] == f"/staff/reports/{report_id}"

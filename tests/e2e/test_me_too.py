""" "Me too" in Chromium (issue 14, "Done when"): a phone at the door says "me too" on the room page,
turns on notifications, and its subscription receives the push (decrypted by the test's push
service) when staff resolve the report; a student choosing that room and category on the form
sees the same report before submitting and can say "me too" there."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.e2e.test_places import import_places, no_accessibility_violations
from tests.e2e.test_push import fake_push_manager, stored_subscriptions
from tests.e2e.test_student import SLOW, staff_headers
from tests.pushservice import Browser, PushService

pytestmark = IN_BROWSER_LOOP

TITLE = "AC ruang 201 bocor, air menetes ke meja"


async def reported_in_room(live_system: LiveSystem) -> str:
    """A report of room GDA-201 (AC), sent by someone else; its id once the worker has it."""
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        fields = {
            "reporter_name": "Dewi",
            "category": "ac-ventilation",
            "location": "dekat jendela",
            "description": TITLE + ".",
            "room": "GDA-201",
        }
        accepted = await http.post("/api/reports", data=fields)
        assert accepted.status_code == 202
        report_id: str = accepted.json()["id"]
        for _ in range(100):
            if (await http.get(f"/api/reports/{report_id}")).json()["status"] == "pending":
                return report_id
            await asyncio.sleep(0.1)
    raise AssertionError("the report was not stored")


@pytest.mark.live_env(LAPOR_PUSH_ALLOW_INSECURE="true")
async def test_me_too_at_the_door_then_notified_when_resolved(
    new_page: Callable[..., Any],
    live_system: LiveSystem,
    env_for: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    await import_places(env_for(), tmp_path)
    report_id = await reported_in_room(live_system)
    keys = Browser()
    with PushService() as service:
        service.register("phone", keys)
        page: Page = await new_page(viewport=PHONE)
        await page.context.grant_permissions(["notifications"], origin=live_system.base_url)
        await page.add_init_script(fake_push_manager(keys.subscription(service.endpoint("phone"))))
        await page.goto("/q/GDA-201")
        report = page.locator(".room-report").filter(has_text=TITLE)
        await expect(report.locator(".me-too__count")).to_have_text("Belum ada yang bilang “saya juga”")
        await report.get_by_role("button", name="Saya juga").click()
        await expect(report.locator(".me-too__status")).to_contain_text("Anda sudah tercatat")
        await expect(report.locator(".me-too__count")).to_have_text("1 orang lain juga mengalami")
        await no_accessibility_violations(page)
        await report.get_by_role("button", name="Beri tahu saya perkembangannya").click()
        await expect(report.locator(".me-too__status")).to_contain_text("Notifikasi aktif", timeout=SLOW)
        await stored_subscriptions(live_system, 1)

        # Pressed survives a reload; the count is the stored one.
        await page.reload()
        report = page.locator(".room-report").filter(has_text=TITLE)
        await expect(report.get_by_role("button", name="✓ Saya juga (tercatat)")).to_be_disabled()
        await expect(report.locator(".me-too__count")).to_have_text("1 orang lain juga mengalami")

        # Someone else's "me too" reaches the open page live.
        async with httpx.AsyncClient(base_url=live_system.base_url) as http:
            other = await http.post(f"/api/reports/{report_id}/me-too", json={"supporter": "A" * 24})
            assert other.status_code == 202
        await expect(report.locator(".me-too__count")).to_have_text(
            "2 orang lain juga mengalami", timeout=SLOW
        )

        # Its public page (where "my reports" links) knows this browser follows it with Web Push.
        await page.goto(f"/r/{report_id}")
        await expect(page.locator("#notify-status")).to_contain_text(
            "juga saat halaman ini ditutup", timeout=SLOW
        )

        headers = await staff_headers(live_system)
        async with httpx.AsyncClient(base_url=live_system.base_url) as http:
            for status in ("in_progress", "resolved"):
                changed = await http.patch(
                    f"/api/reports/{report_id}", json={"status": status}, headers=headers
                )
                assert changed.status_code == 202
        deliveries = await service.async_wait_for_deliveries(2, timeout=20)
        payloads = [d.json() for d in deliveries]
        assert [(p["report_id"], p["status"]) for p in payloads] == [
            (report_id, "in_progress"),
            (report_id, "resolved"),
        ]
        assert payloads[1]["title"] == "Laporan yang Anda ikuti selesai ✅"
        assert service.rejected == []


async def test_the_form_shows_the_rooms_report_before_submitting(
    new_page: Callable[..., Any],
    live_system: LiveSystem,
    env_for: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    await import_places(env_for(), tmp_path)
    report_id = await reported_in_room(live_system)
    for viewport in (PHONE, DESKTOP):
        page: Page = await new_page(viewport=viewport)
        await page.goto("/q/GDA-201")
        await page.get_by_role("link", name="Laporkan hal lain di sini").click()
        await expect(page.locator("#room")).to_have_value("GDA-201")
        already = page.get_by_role("region", name="Sudah dilaporkan?")
        await expect(already).to_be_hidden()
        await page.get_by_label("Kategori").select_option("electrical")
        await page.wait_for_load_state("networkidle")
        await expect(already).to_be_hidden()  # nothing of that category in this room
        await page.get_by_label("Kategori").select_option("ac-ventilation")
        await expect(already).to_be_visible(timeout=SLOW)
        await expect(already.locator(".room-report")).to_have_count(1)
        await expect(already.get_by_role("link", name=TITLE)).to_have_attribute("href", f"/r/{report_id}")
        await expect(already).to_contain_text("Menunggu")
        await no_accessibility_violations(page)
    # The last student says "me too" instead of sending a duplicate; it is followed in "my reports".
    await already.get_by_role("button", name="Saya juga").click()
    await expect(already.locator(".me-too__count")).to_have_text("1 orang lain juga mengalami")
    await expect(already.locator(".me-too__status")).to_contain_text("Tidak perlu mengirim laporan baru")
    await no_accessibility_violations(page)
    await page.reload()
    await page.get_by_label("Kategori").select_option("ac-ventilation")
    await expect(page.locator("#my-reports")).to_be_visible(timeout=SLOW)
    await expect(page.locator("#my-reports-list")).to_contain_text("Diikuti")
    await expect(page.locator("#my-reports-list")).to_contain_text(TITLE)
    await expect(already.get_by_role("button", name="✓ Saya juga (tercatat)")).to_be_disabled(timeout=SLOW)
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        assert (await http.get(f"/api/reports/{report_id}")).json()["me_too"] == 1

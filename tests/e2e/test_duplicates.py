"""Merging duplicates in a real browser (issue 14, "Done when"): staff merge a duplicate on the staff
report page, and both the duplicate's reporter (its tracking page, open) and a public follower of
the kept report (the room page, open) follow the kept report live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.e2e.test_places import import_places
from tests.e2e.test_staff import wait_for_report
from tests.e2e.test_student import SLOW, patch_report, staff_headers

pytestmark = IN_BROWSER_LOOP


async def report_in_room(live_system: LiveSystem, title: str, description: str) -> dict[str, Any]:
    """A report of GDA-201 sent over the API; its 202 once the worker has stored it."""
    fields = {
        "reporter_name": "Ani",
        "category": "ac-ventilation",
        "location": "Ruang 201",
        "title": title,
        "description": description,
        "room": "GDA-201",
    }
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        answer = await http.post("/api/reports", data=fields)
        assert answer.status_code == 202, answer.text
        accepted: dict[str, Any] = answer.json()
        await wait_for_report(http, accepted["id"], lambda report: report["status"] == "pending")
    return accepted


async def test_staff_merge_a_duplicate_and_its_reporter_and_the_room_follow_the_kept_report_live(
    new_page: Callable[..., Any],
    live_system: LiveSystem,
    env_for: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    await import_places(env_for(), tmp_path)
    kept = await report_in_room(live_system, "AC ruang 201 mati", "AC di ruang 201 mati total sejak pagi.")
    duplicate = await report_in_room(live_system, "AC tidak dingin", "AC ruang 201 tidak dingin sama sekali.")
    headers = await staff_headers(live_system)

    # The duplicate's reporter keeps their tracking page open on the phone.
    reporter: Page = await new_page(viewport=PHONE)
    await reporter.goto(f"/r/{duplicate['id']}#token={duplicate['tracking_token']}")
    await expect(reporter.locator("#live")).to_have_attribute("data-state", "open", timeout=SLOW)
    # Someone at the door follows the room's open reports.
    door: Page = await new_page(viewport=PHONE)
    await door.goto("/q/GDA-201")
    door_reports = door.locator(".room-reports .room-report")
    await expect(door_reports).to_have_count(2)

    # Staff open the duplicate, see the kept report as a candidate, and merge.
    desk: Page = await new_page(viewport=DESKTOP)
    password = await live_system.add_staff("tekdup", "technician", "Teknisi Dup")
    await desk.goto("/staff")
    await desk.locator("input[name=username]").fill("tekdup")
    await desk.locator("input[name=password]").fill(password)
    await desk.get_by_role("button", name="Masuk").click()
    await expect(desk.get_by_role("heading", level=1)).to_have_text("Laporan masuk", timeout=SLOW)
    await desk.goto(f"/staff/reports/{duplicate['id']}")
    candidate = desk.locator(f'.s-candidate[data-id="{kept["id"]}"]')
    await expect(candidate).to_contain_text("AC ruang 201 mati")
    await candidate.get_by_label("Catatan penggabungan (opsional)").fill("Masalah yang sama")
    await candidate.get_by_role("button", name="Gabungkan ke laporan ini").click()
    await expect(desk.locator("#merged-into")).to_contain_text("AC ruang 201 mati", timeout=SLOW)

    # The reporter's page says so at once, and shows the kept report instead.
    await expect(reporter.locator("#status-badge")).to_have_text("Duplikat", timeout=SLOW)
    await expect(reporter.locator("#merged")).to_be_visible()
    await expect(reporter.locator("#kept-link")).to_have_text("AC ruang 201 mati", timeout=SLOW)
    await expect(reporter.locator("#kept-status")).to_have_text("Menunggu")
    # The door drops the duplicate and keeps the report that is worked on.
    await expect(door_reports).to_have_count(1, timeout=SLOW)
    await expect(door_reports).to_contain_text("AC ruang 201 mati")

    # Staff start work on the kept report: both follow it live.
    await patch_report(live_system, headers, kept["id"], status="in_progress")
    await expect(reporter.locator("#kept-status")).to_have_text("Diproses", timeout=SLOW)
    await expect(reporter.locator("#kept-steps li")).to_have_count(3)  # created, merged, in progress
    await expect(door_reports.locator(".room-report__status")).to_have_text("Diproses", timeout=SLOW)
    # Resolved: the duplicate's reporter learns it is fixed, and may say it is not.
    await patch_report(live_system, headers, kept["id"], status="resolved")
    await expect(reporter.locator("#kept-fixed")).to_be_visible(timeout=SLOW)
    await expect(reporter.locator("#reopen")).to_be_visible()
    await expect(door_reports).to_have_count(0, timeout=SLOW)

"""Pages a new user tripped on (issue 11), in a real browser against a real `lapor api` and worker."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.e2e.test_student import SLOW, fill_report, patch_report, staff_headers, submit_with_photo

pytestmark = IN_BROWSER_LOOP


async def test_without_javascript_a_too_large_photo_gives_the_form_back_as_typed(
    browser: Browser, live_system: LiveSystem
) -> None:
    context = await browser.new_context(
        base_url=live_system.base_url, viewport=PHONE, locale="id-ID", java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await page.goto("/")
        await fill_report(page)
        too_large = b"\xff\xd8\xff" + b"\0" * (live_system.settings.max_body_bytes + 1024)
        await page.locator("#photo").set_input_files(
            {"name": "besar.jpg", "mimeType": "image/jpeg", "buffer": too_large}
        )
        async with page.expect_navigation() as navigation:
            await page.get_by_role("button", name="Kirim laporan").click()
        answer = await navigation.value
        assert answer is not None and answer.status == 413

        # A page, not JSON: the photo's error, and everything typed is still there.
        await expect(page.locator("#error-summary a[href='#photo']")).to_have_text(
            "Foto terlalu besar: maksimal 10 MB"
        )
        await expect(page.locator("#photo-error")).to_contain_text("Foto terlalu besar")
        await expect(page.get_by_label("Nama Anda")).to_have_value("Ani Mahasiswa")
        await expect(page.get_by_label("Kontak (opsional)")).to_have_value("ani@kampus.ac.id")
        await expect(page.get_by_label("Kategori")).to_have_value("electrical")
        await expect(page.get_by_label("Lokasi")).to_have_value("Gedung A, lantai 2, ruang 201")
        await expect(page.get_by_label("Apa yang rusak?")).to_have_value(
            "Lampu kelas mati sejak pagi, ruangan gelap"
        )
        await expect(page.locator("#priority-emergency")).to_be_checked()
    finally:
        await context.close()


async def test_the_sign_in_address_opened_directly_shows_the_form(new_page: Callable[..., Any]) -> None:
    page: Page = await new_page()
    answer = await page.goto("/staff/login")
    assert answer is not None and answer.status == 200
    await expect(page.get_by_label("Nama pengguna")).to_be_visible()
    await expect(page.locator("form[action='/staff/login'] button[type=submit]")).to_be_visible()
    assert re.search("Masuk", await page.title())


async def test_the_private_link_carries_the_token_and_acts_on_another_device(
    new_page: Callable[..., Any], live_system: LiveSystem, tmp_path: Path
) -> None:
    page: Page = await new_page()
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_system.base_url)
    report_id = await submit_with_photo(page, tmp_path)
    token = await page.evaluate("JSON.parse(localStorage.getItem('lapor.myReports'))[0].token")

    # The page says what the link allows and to keep it private, then copies it.
    box = page.locator("#private-link")
    await expect(box).to_contain_text("melihat foto dan riwayat laporan, membukanya lagi")
    await expect(box).to_contain_text("menyalakan notifikasi")
    await expect(box).to_contain_text("Jaga kerahasiaannya")
    await page.get_by_role("button", name="Salin tautan pribadi saya").click()
    await expect(page.locator("#private-link-status")).to_contain_text("Tautan pribadi tersalin")
    link = await page.evaluate("navigator.clipboard.readText()")
    assert link == f"{live_system.base_url}/r/{report_id}#token={token}"

    # Another device opens the saved link: it may act on the report (here: reopen it).
    other: Page = await new_page()
    await other.goto(link)
    await expect(other.locator("#status-badge")).to_have_text("Menunggu", timeout=SLOW)
    await expect(other.locator("#private-link")).to_be_visible()
    assert "#" not in other.url
    headers = await staff_headers(live_system)
    await patch_report(live_system, headers, report_id, status="in_progress")
    await expect(other.locator("#status-badge")).to_have_text("Diproses", timeout=SLOW)
    await patch_report(live_system, headers, report_id, status="resolved")
    await expect(other.locator("#status-badge")).to_have_text("Selesai", timeout=SLOW)
    await other.get_by_role("button", name="Buka lagi laporan").click()
    await expect(other.locator("#status-badge")).to_have_text("Menunggu", timeout=SLOW)


async def test_without_the_token_the_page_offers_no_private_link(
    new_page: Callable[..., Any], live_system: LiveSystem, tmp_path: Path
) -> None:
    page: Page = await new_page()
    report_id = await submit_with_photo(page, tmp_path)
    stranger: Page = await new_page()
    await stranger.goto(f"/r/{report_id}")
    await expect(stranger.locator("#status-badge")).to_be_visible()
    await expect(stranger.locator("#private-link")).to_be_hidden()

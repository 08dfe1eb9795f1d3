"""Pages a new user tripped on (issue 11), in a real browser against a real `lapor api` and worker."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.e2e.test_student import fill_report

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

"""Pages a new user tripped on (issue 11), in a real browser against a real `lapor api` and worker."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.e2e.offline_pages import stored_mine
from tests.e2e.test_student import SLOW, fill_report, patch_report, staff_headers, submit_with_photo
from tests.factories import report_fields

pytestmark = IN_BROWSER_LOOP


async def test_without_javascript_pages_answer_with_pages(browser: Browser, live_system: LiveSystem) -> None:
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

        # The staff sign-in form's own address (bookmarked, reloaded) shows the form, not a JSON 405.
        answer = await page.goto("/staff/login")
        assert answer is not None and answer.status == 200
        await expect(page.get_by_label("Nama pengguna")).to_be_visible()
        await expect(page.locator("form[action='/staff/login'] button[type=submit]")).to_be_visible()
        assert re.search("Masuk", await page.title())
    finally:
        await context.close()


async def test_the_private_link_carries_the_token_and_acts_on_another_device(
    new_page: Callable[..., Any], live_system: LiveSystem, tmp_path: Path
) -> None:
    page: Page = await new_page()
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_system.base_url)
    report_id = await submit_with_photo(page, tmp_path)
    token = (await stored_mine(page))[0]["token"]

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


async def test_a_page_opened_later_without_the_token(
    new_page: Callable[..., Any], live_system: LiveSystem, tmp_path: Path
) -> None:
    page: Page = await new_page()
    report_id = await submit_with_photo(page, tmp_path)
    await expect(page.locator("#status-badge")).to_have_text("Menunggu", timeout=SLOW)  # stored now
    later: Page = await new_page()
    await later.goto(f"/r/{report_id}")
    # No token in this browser: no private link to give.
    await expect(later.locator("#status-badge")).to_have_text("Menunggu")
    await expect(later.locator("#private-link")).to_be_hidden()
    # The timeline still starts when the report was accepted, though this page never saw it queued.
    first = later.locator("#timeline > li").first
    await expect(first).to_contain_text("Laporan diterima dan masuk antrean")
    created = await later.locator("time[datetime]").first.get_attribute("datetime")
    assert await first.get_attribute("data-at") == created


async def test_a_corrected_field_loses_its_error_at_once(new_page: Callable[..., Any]) -> None:
    page: Page = await new_page()
    await page.goto("/")
    await page.get_by_role("button", name="Kirim laporan").click()
    summary = page.locator("#error-summary")
    await expect(summary.locator("a")).to_have_count(4)

    # Typing a name clears the name's error (next to the field and in the summary), nothing else.
    await page.get_by_label("Nama Anda").fill("Ani")
    await expect(page.locator("#reporter_name-error")).to_be_hidden()
    await expect(page.locator("#reporter_name")).not_to_have_attribute("aria-invalid", "true")
    await expect(summary.locator("a[href='#reporter_name']")).to_have_count(0)
    await expect(page.locator("#location-error")).to_be_visible()
    # Still wrong, differently: the message follows ("required" → "at least 10 characters").
    await page.get_by_label("Apa yang rusak?").fill("rusak")
    await expect(page.locator("#description-error")).to_contain_text("Deskripsi minimal 10 karakter")
    await expect(summary.locator("a[href='#description']")).to_have_text("Deskripsi minimal 10 karakter")
    # A field that had no error gets none while it is typed in.
    await page.get_by_label("Kontak (opsional)").fill("x" * 201)
    await expect(page.locator("#reporter_contact-error")).to_be_hidden()

    await page.get_by_label("Kontak (opsional)").fill("")
    await page.get_by_label("Kategori").select_option("electrical")
    await page.get_by_label("Lokasi").fill("Gedung A")
    await page.get_by_label("Apa yang rusak?").fill("Lampu kelas mati sejak pagi")
    await expect(summary).to_be_hidden()
    assert not (await page.title()).startswith("Kesalahan:")


async def test_resolving_takes_a_note_and_both_timelines_read_oldest_first(
    new_page: Callable[..., Any], live_system: LiveSystem, tmp_path: Path
) -> None:
    student: Page = await new_page()
    report_id = await submit_with_photo(student, tmp_path)
    await expect(student.locator("#status-badge")).to_have_text("Menunggu", timeout=SLOW)
    await patch_report(live_system, await staff_headers(live_system, "sari"), report_id, status="in_progress")

    password = await live_system.add_staff("budi", "technician", "Budi Teknisi")
    desk: Page = await new_page()
    await desk.goto("/staff")
    await desk.locator("input[name=username]").fill("budi")
    await desk.locator("input[name=password]").fill(password)
    await desk.get_by_role("button", name="Masuk").click()
    await desk.goto(f"/staff/reports/{report_id}")
    await expect(desk.locator("#report-summary")).to_contain_text("Diproses", timeout=SLOW)
    # Resolving is the main action; sending it back to the queue is not.
    await expect(desk.get_by_role("button", name="Tandai selesai")).to_have_class(
        re.compile(r"\bs-btn-primary\b")
    )
    await expect(desk.get_by_role("button", name="Kembalikan ke Menunggu")).to_have_class(
        re.compile(r"\bs-btn-secondary\b")
    )
    await desk.get_by_label("Catatan penyelesaian (opsional)").fill("Stop kontak diganti")
    await desk.get_by_role("button", name="Tandai selesai").click()
    await expect(desk.locator("#report-summary")).to_contain_text("Selesai", timeout=SLOW)
    staff_entries = desk.locator("#report-timeline .s-tl")
    await expect(staff_entries.last).to_contain_text("Stop kontak diganti", timeout=SLOW)
    await expect(staff_entries.first).to_contain_text("Laporan diterima")

    # The student's page (open all along) and a fresh load of it tell the same story in the same order.
    await expect(student.locator("#status-badge")).to_have_text("Selesai", timeout=SLOW)
    await expect(student.locator("#timeline > li").last).to_contain_text("Stop kontak diganti")
    # A fresh load in the student's browser (which holds the tracking token: the timeline is theirs).
    fresh: Page = await student.context.new_page()
    await fresh.goto(f"/r/{report_id}")
    items = fresh.locator("#timeline > li")
    await expect(items.first).to_contain_text("Laporan diterima dan masuk antrean")
    await expect(items.last).to_contain_text("Stop kontak diganti")
    kinds = await items.evaluate_all("items => items.map(item => item.dataset.kind)")
    assert kinds == ["queued", "created", "status", "status"]
    times = await items.evaluate_all("items => items.map(item => Date.parse(item.dataset.at))")
    assert times == sorted(times)


LABEL_GAPS = """() => {
  const labels = [...document.querySelectorAll('.progress__label')].map(l => l.getBoundingClientRect());
  return labels.slice(1).map((r, i) => r.left - labels[i].right);
}"""


async def test_on_a_phone_step_labels_keep_apart_and_the_header_stays_on_one_line(
    browser: Browser, live_system: LiveSystem
) -> None:
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        answer = await http.post("/api/reports", json=report_fields())
    for width in (320, 360, 390):
        context = await browser.new_context(
            base_url=live_system.base_url, viewport={"width": width, "height": 800}
        )
        try:
            page = await context.new_page()
            for language in ("id", "en"):
                await context.add_cookies([{"name": "lang", "value": language, "url": live_system.base_url}])
                await page.goto(f"/r/{answer.json()['id']}")
                name = await page.locator(".site-name").bounding_box()
                switch = await page.locator(".lang-switch a").bounding_box()
                assert name and switch and switch["y"] < name["y"] + name["height"], (width, language)
                for current in ("queued", "pending", "in_progress", "resolved"):  # the current one is bold
                    await page.evaluate(
                        "(current) => document.querySelectorAll('.progress__step').forEach("
                        "step => step.classList.toggle('is-current', step.dataset.status === current))",
                        current,
                    )
                    gaps = await page.evaluate(LABEL_GAPS)
                    assert min(gaps) >= (2 if width < 360 else 8), (width, language, current, gaps)
        finally:
            await context.close()

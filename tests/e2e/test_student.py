"""The student's side in a real browser: the report form, the live tracking page, the language.

Each test drives Debian's Chromium against a real `lapor api` and `lapor worker` (see conftest.py).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from playwright.async_api import Browser, Page, Request, expect

from tests.e2e.conftest import IN_BROWSER_LOOP, PHONE, LiveSystem
from tests.e2e.offline_pages import stored_mine

pytestmark = IN_BROWSER_LOOP

SLOW = 15_000  # ms: long enough for the worker to persist a report on a busy CI machine
REPORT_URL = re.compile(r"/r/([0-9a-f-]{36})$")


def jpeg(tmp_path: Path, name: str = "lampu.jpg") -> Path:
    path = tmp_path / name
    Image.new("RGB", (640, 480), (200, 60, 40)).save(path, "JPEG")
    return path


async def fill_report(page: Page, *, description: str = "Lampu kelas mati sejak pagi, ruangan gelap") -> None:
    await page.get_by_label("Nama Anda").fill("Ani Mahasiswa")
    await page.get_by_label("Kontak (opsional)").fill("ani@kampus.ac.id")
    await page.get_by_label("Kategori").select_option("electrical")
    await page.get_by_label("Lokasi").fill("Gedung A, lantai 2, ruang 201")
    await page.get_by_label("Apa yang rusak?").fill(description)
    await page.locator("label[for=priority-emergency]").click()


def posts_to_api(requests: list[Request]) -> list[str]:
    return [r.url for r in requests if r.method == "POST"]


async def staff_headers(live_system: LiveSystem, username: str = "admin") -> dict[str, str]:
    password = await live_system.add_staff(username, "admin", "Admin Fasilitas")
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        answer = await http.post("/api/auth/token", json={"username": username, "password": password})
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def patch_report(
    live_system: LiveSystem, headers: dict[str, str], report_id: str, **change: str
) -> None:
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        answer = await http.patch(f"/api/reports/{report_id}", json=change, headers=headers)
        assert answer.status_code == 202, answer.text


async def submit_with_photo(page: Page, tmp_path: Path) -> str:
    """Fill the form, attach a photo, send it; returns the new report's id (from the address)."""
    await page.goto("/")
    await fill_report(page)
    await page.locator("#photo").set_input_files(jpeg(tmp_path))
    await expect(page.locator("#photo-preview-image")).to_have_attribute("src", re.compile(r"^blob:"))
    await page.get_by_role("button", name="Kirim laporan").click()
    await page.wait_for_url(REPORT_URL, timeout=SLOW)
    match = REPORT_URL.search(page.url)
    assert match, page.url
    return match.group(1)


async def test_student_reports_with_photo_and_watches_it_live(
    new_page: Callable[..., Any], live_system: LiveSystem, tmp_path: Path
) -> None:
    page: Page = await new_page(viewport=PHONE)
    await page.context.grant_permissions(["notifications"], origin=live_system.base_url)
    # Record notifications the page shows (the real ones need a desktop to appear on).
    await page.add_init_script(
        """
        window.__notifications = [];
        const Native = window.Notification;
        window.Notification = class extends Native {
          constructor(title, options) { super(title, options); window.__notifications.push(title); }
        };
        """
    )
    report_id = await submit_with_photo(page, tmp_path)

    # The token came in the fragment, went to IndexedDB ("my reports"), and left the address bar.
    assert "#" not in page.url
    mine = await stored_mine(page)
    assert mine[0]["id"] == report_id and len(mine[0]["token"]) >= 20
    assert mine[0]["title"].startswith("Lampu kelas mati")

    # Everything from here happens without a reload: a marker set now must survive.
    await page.evaluate("window.__sameDocument = true")
    await expect(page.locator("#status-badge")).to_have_text("Menunggu", timeout=SLOW)
    await expect(page.locator("#live")).to_have_attribute("data-state", "open", timeout=SLOW)
    await expect(page.locator(".progress__step[data-status=pending]")).to_have_attribute(
        "aria-current", "step"
    )
    await expect(page.locator("#photo-card img.photo__image")).to_have_attribute(
        "src", re.compile(r"^/media/photos/"), timeout=SLOW
    )
    await expect(page.locator("#timeline")).to_contain_text("Laporan tercatat")
    await expect(page.get_by_text("Gedung A, lantai 2, ruang 201")).to_be_visible()
    await expect(page.locator("#priority-value")).to_have_text("Darurat")

    # Staff work on it: the page follows, each change appended to the timeline.
    await expect(page.get_by_role("button", name="Beri tahu saya")).to_be_hidden()  # already allowed
    await expect(page.locator("#notify-status")).to_contain_text("Notifikasi aktif")
    headers = await staff_headers(live_system)
    await patch_report(live_system, headers, report_id, status="in_progress", note="Teknisi menuju lokasi")
    await expect(page.locator("#status-badge")).to_have_text("Diproses", timeout=SLOW)
    await expect(page.locator(".progress__step[data-status=in_progress]")).to_have_attribute(
        "aria-current", "step"
    )
    last = page.locator("#timeline > li").last
    await expect(last).to_contain_text("Status menjadi Diproses")
    await expect(last).to_contain_text("Teknisi menuju lokasi")
    await expect(last).to_contain_text("oleh Admin Fasilitas")

    await patch_report(live_system, headers, report_id, status="resolved", note="Lampu sudah diganti")
    await expect(page.locator("#status-badge")).to_have_text("Selesai", timeout=SLOW)
    await expect(page.locator("#resolved-banner")).to_be_visible()
    await expect(page.locator("#resolved-banner")).to_contain_text("sudah selesai")
    assert await page.evaluate("window.__notifications") == ["Laporan selesai"]
    assert await page.evaluate("window.__sameDocument") is True
    # The reporter (who holds the token) may say it is not fixed.
    await page.get_by_label("Apa yang masih salah? (opsional)").fill("Masih berkedip")
    await page.get_by_role("button", name="Buka lagi laporan").click()
    await expect(page.locator("#status-badge")).to_have_text("Menunggu", timeout=SLOW)
    await expect(page.locator("#timeline > li").last).to_contain_text("Dibuka lagi oleh pelapor")
    await expect(page.locator("#timeline > li").last).to_contain_text("Masih berkedip")
    await expect(page.locator("#reopen")).to_be_hidden()

    # Back on the form, the report is listed under "my reports", with its status.
    await page.goto("/")
    mine_list = page.locator("#my-reports")
    await expect(mine_list).to_be_visible()
    link = mine_list.locator(f"a[href='/r/{report_id}']")
    await expect(link).to_have_text(re.compile(r"^Lampu kelas mati"))
    await expect(mine_list.locator(".status-badge")).to_have_text("Menunggu")  # reopened


async def test_status_changes_and_rejection_reason_arrive_live(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    page: Page = await new_page()
    await page.goto("/")
    await fill_report(page)
    await page.get_by_role("button", name="Kirim laporan").click()
    await page.wait_for_url(REPORT_URL, timeout=SLOW)
    report_id = REPORT_URL.search(page.url).group(1)  # type: ignore[union-attr]
    await expect(page.locator("#status-badge")).to_have_text("Menunggu", timeout=SLOW)
    await expect(page.locator("#live")).to_have_attribute("data-state", "open", timeout=SLOW)
    # Notifications not allowed yet: the button to ask is offered.
    await expect(page.get_by_role("button", name="Beri tahu saya")).to_be_visible()
    headers = await staff_headers(live_system)
    await patch_report(live_system, headers, report_id, status="rejected", note="Sudah dilaporkan di #123")
    await expect(page.locator("#status-badge")).to_have_text("Ditolak", timeout=SLOW)
    await expect(page.locator("#rejected")).to_be_visible()
    await expect(page.locator("#rejected-reason")).to_have_text("Alasan: Sudah dilaporkan di #123")
    await expect(page.locator("#progress")).to_be_hidden()
    await expect(page.locator("#notify")).to_be_hidden()  # nothing more to wait for
    # The same page, rendered by the server, says the same.
    await page.reload()
    await expect(page.locator("#rejected-reason")).to_have_text("Alasan: Sudah dilaporkan di #123")


async def test_empty_form_is_checked_in_the_browser_first(new_page: Callable[..., Any]) -> None:
    page: Page = await new_page()
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    await page.goto("/")
    await page.get_by_role("button", name="Kirim laporan").click()

    summary = page.locator("#error-summary")
    await expect(summary).to_be_visible()
    await expect(summary).to_be_focused()
    links = summary.locator("a")
    assert await links.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "#reporter_name",
        "#category",
        "#location",
        "#description",
    ]
    await expect(links.first).to_have_text("Nama wajib diisi")
    await expect(page.locator("#description-error")).to_have_text(re.compile("Deskripsi wajib diisi"))
    await expect(page.locator("#reporter_name")).to_have_attribute("aria-invalid", "true")
    assert (await page.title()).startswith("Kesalahan:")
    # A link in the summary puts the cursor in its field.
    await links.nth(2).click()
    await expect(page.locator("#location")).to_be_focused()

    # Too short a description, and a file that is not a photo: still nothing is sent.
    await fill_report(page, description="rusak")
    await page.locator("#photo").set_input_files(
        {"name": "catatan.txt", "mimeType": "text/plain", "buffer": b"bukan foto"}
    )
    await expect(page.locator("#photo-error")).to_contain_text("Format foto tidak didukung")
    await page.get_by_role("button", name="Kirim laporan").click()
    await expect(summary.locator("a")).to_have_count(2)
    await expect(summary.locator("a[href='#description']")).to_have_text("Deskripsi minimal 10 karakter")
    await expect(summary.locator("a[href='#photo']")).to_be_visible()
    await expect(page.locator("#reporter_name-error")).to_be_hidden()  # that one was fixed
    await page.locator("#photo-remove").click()
    await expect(page.locator("#photo-error")).to_be_hidden()
    assert posts_to_api(requests) == []


async def test_without_javascript_the_server_checks_and_accepts_the_form(
    browser: Browser, live_system: LiveSystem, tmp_path: Path
) -> None:
    context = await browser.new_context(
        base_url=live_system.base_url, viewport=PHONE, locale="id-ID", java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await page.goto("/?location=Gedung%20B")
        await page.get_by_label("Apa yang rusak?").fill("pendek")
        await page.get_by_role("button", name="Kirim laporan").click()
        await page.wait_for_load_state()

        # The server's answer: the same page, its errors at the top and next to each field.
        summary = page.locator("#error-summary")
        await expect(summary).to_be_visible()
        await expect(summary.locator("a[href='#reporter_name']")).to_have_text("Nama wajib diisi")
        await expect(summary.locator("a[href='#description']")).to_have_text("Deskripsi minimal 10 karakter")
        await expect(page.locator("#reporter_name-error")).to_be_visible()
        await expect(page.locator("#reporter_name-error")).to_contain_text("Nama wajib diisi")
        await expect(page.locator("#category-error")).to_contain_text("Kategori wajib diisi")
        await expect(page.locator("[data-field=description]")).to_have_class(re.compile("field--error"))
        await expect(page.locator("#location-error")).to_be_hidden()
        # What was typed is kept.
        await expect(page.get_by_label("Lokasi")).to_have_value("Gedung B")
        await expect(page.get_by_label("Apa yang rusak?")).to_have_value("pendek")
        assert (await page.title()).startswith("Kesalahan:")

        # Corrected and sent again (with a photo): a plain POST, then the tracking page.
        await fill_report(page)
        await page.locator("#photo").set_input_files(jpeg(tmp_path))
        await page.get_by_role("button", name="Kirim laporan").click()
        await page.wait_for_url(re.compile(r"/r/[0-9a-f-]{36}#token=.+"), timeout=SLOW)
        await expect(page.locator("h1")).to_have_text("Lampu kelas mati sejak pagi, ruangan gelap")
        await expect(page.locator("#status-badge")).to_have_text(re.compile("Antre|Menunggu"))
        await expect(page.locator("#progress")).to_be_visible()
    finally:
        await context.close()


async def test_language_switch_changes_texts_and_html_lang(new_page: Callable[..., Any]) -> None:
    page: Page = await new_page()
    await page.goto("/?location=Gedung%20C")
    await expect(page.locator("html")).to_have_attribute("lang", "id")
    await expect(page.locator("h1")).to_have_text("Laporkan kerusakan fasilitas")

    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_have_text("Report a broken facility")
    await expect(page.get_by_role("button", name="Send report")).to_be_visible()
    await expect(page.get_by_label("Location")).to_have_value("Gedung C")  # the QR code's location stays
    # Client-side messages are in English too.
    await page.get_by_role("button", name="Send report").click()
    await expect(page.locator("#error-summary")).to_contain_text("There is a problem")
    await expect(page.locator("#error-summary")).to_contain_text("Name is required")
    # Remembered in a cookie.
    await page.goto("/")
    await expect(page.locator("html")).to_have_attribute("lang", "en")

    await page.get_by_role("link", name="Bahasa Indonesia").click()
    await expect(page.locator("html")).to_have_attribute("lang", "id")
    await expect(page.locator("h1")).to_have_text("Laporkan kerusakan fasilitas")


async def test_browser_language_is_the_default(new_page: Callable[..., Any]) -> None:
    page: Page = await new_page(locale="en-US")
    await page.goto("/")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_have_text("Report a broken facility")


async def test_location_from_a_qr_code_is_prefilled(new_page: Callable[..., Any]) -> None:
    page: Page = await new_page()
    await page.goto("/?location=Gedung%20A%20R101")
    await expect(page.get_by_label("Lokasi")).to_have_value("Gedung A R101")
    await expect(page.get_by_label("Nama Anda")).to_have_value("")


async def test_html_in_a_report_is_shown_as_text(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    page: Page = await new_page()
    description = '<img src=x onerror="window.__xss=1"><b id="injected">tebal</b> lampu mati total'
    await page.goto("/")
    await fill_report(page, description=description)
    await page.get_by_role("button", name="Kirim laporan").click()
    await page.wait_for_url(REPORT_URL, timeout=SLOW)
    report_id = REPORT_URL.search(page.url).group(1)  # type: ignore[union-attr]

    await expect(page.locator("#description")).to_have_text(description)
    await expect(page.locator("h1")).to_contain_text('<b id="injected">')
    assert await page.locator("#injected").count() == 0
    assert await page.locator("main img[src=x]").count() == 0

    # A staff note with HTML, arriving live, is text too.
    await expect(page.locator("#live")).to_have_attribute("data-state", "open", timeout=SLOW)
    headers = await staff_headers(live_system)
    note = '<b id="note-injected">catatan</b><script>window.__xss=2</script>'
    await patch_report(live_system, headers, report_id, note=note)
    await expect(page.locator("#timeline .timeline__note").last).to_have_text(note, timeout=SLOW)
    assert await page.locator("#note-injected").count() == 0
    assert await page.evaluate("window.__xss") is None


async def test_unknown_report_is_a_friendly_404(new_page: Callable[..., Any]) -> None:
    page: Page = await new_page()
    answer = await page.goto("/r/00000000-0000-4000-8000-000000000000")
    assert answer is not None and answer.status == 404
    await expect(page.locator("h1")).to_have_text("Halaman tidak ditemukan")
    await expect(page.get_by_role("link", name="Kembali ke halaman utama")).to_have_attribute("href", "/")


async def test_the_tracking_page_shows_the_private_view_only_to_the_token_holder(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    reporter: Page = await new_page()
    await reporter.goto("/")
    # Longer than a title (about 80 characters): the public sees only the description's start.
    start = "Lampu kelas mati sejak pagi, ruangan gelap dan kuliah jam sepuluh pindah ke ruang lain"
    await fill_report(reporter, description=f"{start}; saklar di balik lemari")
    await reporter.get_by_role("button", name="Kirim laporan").click()
    await reporter.wait_for_url(REPORT_URL, timeout=SLOW)
    report_id = REPORT_URL.search(reporter.url).group(1)  # type: ignore[union-attr]
    await expect(reporter.locator("#live")).to_have_attribute("data-state", "open", timeout=SLOW)
    headers = await staff_headers(live_system)
    await patch_report(live_system, headers, report_id, status="in_progress", note="Teknisi menuju lokasi")

    # The reporter's browser sends its token (header and event stream): description and notes.
    await expect(reporter.locator("#description")).to_contain_text("saklar di balik lemari")
    await expect(reporter.locator("#timeline")).to_contain_text("Teknisi menuju lokasi", timeout=SLOW)
    await expect(reporter.locator("#public-only")).to_be_hidden()

    # Someone else with the same address (no token): the public view, and the page says so.
    stranger: Page = await new_page()
    await stranger.goto(f"/r/{report_id}")
    await expect(stranger.locator("#status-badge")).to_have_text("Diproses")
    await expect(stranger.locator("#live")).to_have_attribute("data-state", "open", timeout=SLOW)
    await expect(stranger.locator("#public-only")).to_be_visible()
    await expect(stranger.locator("#description-block")).to_be_hidden()
    await patch_report(live_system, headers, report_id, status="resolved", note="Saklar diganti")
    await expect(stranger.locator("#status-badge")).to_have_text("Selesai", timeout=SLOW)
    await expect(reporter.locator("#timeline")).to_contain_text("Saklar diganti", timeout=SLOW)
    for private in ("saklar di balik lemari", "Teknisi menuju lokasi", "Saklar diganti", "Admin Fasilitas"):
        assert private not in await stranger.content(), private


async def test_an_unusable_photo_is_told_on_the_tracking_page(
    new_page: Callable[..., Any], live_system: LiveSystem
) -> None:
    broken = io.BytesIO()
    Image.new("RGB", (400, 400), (0, 90, 0)).save(broken, "PNG")
    fields = {
        "reporter_name": "Ani",
        "category": "electrical",
        "location": "Gedung B",
        "description": "Stopkontak hangus di dekat pintu",
    }
    async with httpx.AsyncClient(base_url=live_system.base_url) as http:
        answer = await http.post(
            "/api/reports", data=fields, files={"photo": ("a.png", broken.getvalue()[:300], "image/png")}
        )
    assert answer.status_code == 202
    page: Page = await new_page(viewport=PHONE)
    accepted = answer.json()
    # The reporter's private link: the photo's fate is theirs to see, not the public's.
    await page.goto(f"/r/{accepted['id']}#token={accepted['tracking_token']}")
    # Live (a photo event) or already rendered by the server: the reporter is told, the report stays.
    told = page.locator("#photo-unusable")
    await expect(told).to_contain_text("Foto Anda tidak dapat dipakai", timeout=SLOW)
    await expect(told).to_contain_text("Laporan tetap tersimpan")
    await expect(page.locator("#timeline")).to_contain_text("Foto tidak dapat dipakai", timeout=SLOW)
    await expect(page.locator("#status-badge")).to_have_text("Menunggu", timeout=SLOW)

"""The office manages itself, in a real browser: an admin invites a technician, who opens the
one-time link, chooses a password and signs in; the admin deactivates them and their open page
stops working at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, IN_BROWSER_LOOP, LiveSystem

pytestmark = IN_BROWSER_LOOP

SLOW = 15_000  # ms: long enough for the worker to apply a command on a busy machine
NEW_PASSWORD = "obeng dan tang merah"


class StaffPage:
    """The admin's accounts page, in the words of the page (Indonesian)."""

    def __init__(self, page: Page) -> None:
        self.page = page

    async def sign_in(self, username: str, password: str) -> None:
        await self.page.goto("/staff/login")
        await self.page.locator("input[name=username]").fill(username)
        await self.page.locator("input[name=password]").fill(password)
        await self.page.get_by_role("button", name="Masuk").click()

    async def invite(self, username: str, name: str, role_label: str) -> str:
        """Invite a member; returns the one-time link the page shows."""
        await self.page.goto("/staff/users")
        await self.page.get_by_label("Nama pengguna").fill(username)
        await self.page.locator("#invite-name").fill(name)
        await self.page.locator("#invite-role").select_option(label=role_label)
        await self.page.get_by_role("button", name="Buat tautan undangan").click()
        link = await self.page.locator("#link-url").input_value()
        assert link
        return link

    def row(self, username: str) -> Any:
        return self.page.locator(f"#user-rows tr[data-username='{username}']")

    async def deactivate(self, username: str) -> None:
        await self.page.goto("/staff/users")
        await expect(self.row(username)).to_be_visible(timeout=SLOW)
        await self.row(username).get_by_role("button", name="Nonaktifkan").click()
        await expect(self.page.get_by_role("status")).to_contain_text("Perubahan dikirim")


async def open_link(page: Page, link: str) -> None:
    """Open the one-time link; until the worker has stored the invitation, the page says the link
    is unknown, so look again (a positive signal: the password field)."""
    parts = urlsplit(link)
    deadline = time.monotonic() + SLOW / 1000
    while True:
        await page.goto(f"{parts.path}?{parts.query}")
        if await page.locator("#new-password").count():
            return
        assert time.monotonic() < deadline, await page.content()
        await page.wait_for_timeout(200)


@pytest.mark.live_env(LAPOR_SSE_KEEPALIVE_SECONDS="1")
async def test_an_admin_invites_a_technician_who_joins_and_is_then_deactivated(
    live_system: LiveSystem, new_page: Callable[..., Any]
) -> None:
    password = await live_system.add_staff("siti", "admin", "Bu Siti")
    admin = StaffPage(await new_page(viewport=DESKTOP))
    await admin.sign_in("siti", password)
    await expect(admin.page.get_by_role("heading", name="Laporan masuk")).to_be_visible()
    link = await admin.invite("joko", "Pak Joko", "Teknisi")
    assert "/staff/join?token=" in link

    joko = StaffPage(await new_page())
    await open_link(joko.page, link)
    await expect(joko.page.get_by_text("Nama pengguna Anda: joko")).to_be_visible()
    await joko.page.locator("#new-password").fill(NEW_PASSWORD)
    await joko.page.get_by_role("button", name="Simpan kata sandi").click()
    await expect(joko.page.locator("#join-done")).to_be_visible()

    # The password is stored by the worker: sign in once it is (the page says when it is not yet).
    deadline = time.monotonic() + SLOW / 1000
    while True:
        await joko.sign_in("joko", NEW_PASSWORD)
        if await joko.page.get_by_role("heading", name="Laporan masuk").count():
            break
        assert time.monotonic() < deadline
        await joko.page.wait_for_timeout(300)
    live = joko.page.locator("#live")
    await expect(live).to_have_attribute("data-state", "live", timeout=SLOW)

    # A used link is refused with a message a person can act on.
    await joko.page.goto(f"{urlsplit(link).path}?{urlsplit(link).query}")
    await expect(joko.page.locator("#join-error")).to_contain_text("sudah dipakai", timeout=SLOW)
    await joko.page.go_back()
    await expect(live).to_have_attribute("data-state", "live", timeout=SLOW)

    await admin.deactivate("joko")
    # His open dashboard: the live stream is ended by the server and its reconnect refused.
    await expect(live).to_have_attribute("data-state", "offline", timeout=SLOW)
    # And anything he does next lands on the sign-in form.
    await joko.page.reload()
    await expect(joko.page.get_by_role("button", name="Masuk")).to_be_visible()
    await expect(admin.row("joko")).to_contain_text("Nonaktif", timeout=SLOW)

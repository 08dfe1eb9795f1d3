"""Browser tests: Debian's Chromium driven by Playwright against a real `lapor api` and worker.

Run with the rest of the suite (`make test`); skip locally with `pytest -m "not browser"`.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from lapor.config import Settings
from lapor.store.users import add_user
from tests.factories import PASSWORD
from tests.live import live_api, spawn, stop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "live_env(**variables): extra LAPOR_* environment for the live_system processes"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class LiveSystem:
    base_url: str
    settings: Settings

    async def add_staff(self, username: str, role: str, name: str | None = None) -> str:
        """Create a staff account (the operator's path); returns its password."""
        await add_user(
            self.settings.resolved_database_url,
            username=username,
            role=role,
            display_name=name or username.title(),
            password=PASSWORD,
        )
        return PASSWORD


@pytest.fixture
def live_system(
    request: pytest.FixtureRequest,
    settings: Settings,
    redis: object,
    env_for: Callable[..., dict[str, str]],
) -> Iterator[LiveSystem]:
    """`lapor api` and one `lapor worker`, as `lapor up` runs them, on a free port.

    A test may add environment with ``@pytest.mark.live_env(LAPOR_SLA_EMERGENCY_HOURS="0.001")``.
    """
    marker = request.node.get_closest_marker("live_env")
    env = env_for(**(marker.kwargs if marker else {}))
    worker = spawn("worker", env=env)
    try:
        with live_api(env) as base_url:
            yield LiveSystem(base_url, settings)
    finally:
        stop(worker)


# One Chromium for the whole run (each person gets a fresh context: cookies and storage): starting
# Playwright and Chromium for every test cost 0.7 s, half a minute of the suite. The browser tests
# therefore run in the session's event loop (``pytestmark = IN_BROWSER_LOOP`` in each module).
IN_BROWSER_LOOP = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def new_page(browser: Browser, live_system: LiveSystem) -> AsyncIterator[Callable[..., object]]:
    """Open a page in a fresh browser context (its own cookies and storage): a person."""
    contexts: list[BrowserContext] = []

    async def open_page(viewport: dict[str, int] | None = None, locale: str = "id-ID") -> Page:
        context = await browser.new_context(
            base_url=live_system.base_url, viewport=viewport or PHONE, locale=locale
        )
        contexts.append(context)
        return await context.new_page()

    yield open_page
    # Close the pages (and their open event streams) before the server stops, not after.
    for context in contexts:
        await context.close()

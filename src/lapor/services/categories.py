"""The category list, cached in each API process so intake keeps working while the database is down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lapor.domain.categories import DEFAULT_CATEGORIES
from lapor.store import queries

log = logging.getLogger("lapor.api")

FIRST_LOAD_WAIT_SECONDS = 2.0


class CategoryCache:
    """Refreshed from the database every ``ttl_seconds``, by one query at a time.

    Until the first load has finished, callers wait for it (a category added by an admin must not
    be refused), for at most ``FIRST_LOAD_WAIT_SECONDS``. After that a stale list is served while
    one background query refreshes it: under load, every request that found the list expired used
    to run the same query at once, and they queued for the database pool together.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, ttl_seconds: float = 60.0) -> None:
        self._sessions = sessions
        self._ttl = ttl_seconds
        self._loaded_at = float("-inf")
        self._loaded_once = False
        self._refreshing: asyncio.Task[None] | None = None
        self._set(
            [
                {"slug": s, "name_id": name_id, "name_en": name_en}
                for s, name_id, name_en in DEFAULT_CATEGORIES
            ]
        )

    async def items(self) -> list[dict[str, str]]:
        if time.monotonic() - self._loaded_at > self._ttl:
            refreshing = self._refreshing
            if refreshing is None:
                refreshing = self._refreshing = asyncio.create_task(self._refresh())
            if not self._loaded_once:
                # A caller that gives up does not cancel the load; one that waited this long gets the
                # defaults, as when the database is down (it may not answer at all for a minute).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(refreshing), timeout=FIRST_LOAD_WAIT_SECONDS)
        return self._items

    async def slugs(self) -> list[str]:
        await self.items()
        return self._slugs

    async def aclose(self) -> None:
        """Stop a refresh still in flight (at shutdown: its database may not be answering)."""
        refreshing = self._refreshing
        if refreshing is not None:
            refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refreshing

    def _set(self, items: list[dict[str, str]]) -> None:
        self._items = items
        self._slugs = [item["slug"] for item in items]

    async def _refresh(self) -> None:
        try:
            async with self._sessions() as session:
                rows = await queries.list_categories(session)
        except (SQLAlchemyError, OSError) as exc:
            # Keep the last known list: a database outage must not stop students reporting.
            log.warning("category list not refreshed (%s); using the cached one", type(exc).__name__)
            self._loaded_at = time.monotonic() - self._ttl + 5
            return
        finally:
            self._refreshing = None
            self._loaded_once = True
        if rows:
            self._set([{"slug": c.slug, "name_id": c.name_id, "name_en": c.name_en} for c in rows])
        self._loaded_at = time.monotonic()

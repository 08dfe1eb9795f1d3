"""The category list, cached in each API process so intake keeps working while the database is down."""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lapor.domain.categories import DEFAULT_CATEGORIES
from lapor.store import queries

log = logging.getLogger("lapor.api")


class CategoryCache:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, ttl_seconds: float = 60.0) -> None:
        self._sessions = sessions
        self._ttl = ttl_seconds
        self._loaded_at = float("-inf")
        self._items: list[dict[str, str]] = [
            {"slug": slug, "name_id": name_id, "name_en": name_en}
            for slug, name_id, name_en in DEFAULT_CATEGORIES
        ]

    async def items(self) -> list[dict[str, str]]:
        if time.monotonic() - self._loaded_at > self._ttl:
            await self._refresh()
        return self._items

    async def slugs(self) -> list[str]:
        return [item["slug"] for item in await self.items()]

    async def _refresh(self) -> None:
        try:
            async with self._sessions() as session:
                rows = await queries.list_categories(session)
        except (SQLAlchemyError, OSError) as exc:
            # Keep the last known list: a database outage must not stop students reporting.
            log.warning("category list not refreshed (%s); using the cached one", type(exc).__name__)
            self._loaded_at = time.monotonic() - self._ttl + 5
            return
        if rows:
            self._items = [{"slug": c.slug, "name_id": c.name_id, "name_en": c.name_en} for c in rows]
        self._loaded_at = time.monotonic()

"""The API's category list: loaded before the first report is checked, refreshed by one query."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from lapor.services.categories import CategoryCache
from lapor.store.engine import create_sessionmaker
from lapor.store.models import Category
from tests.factories import both_backends


def count_category_queries(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM categories" in statement:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return seen


@both_backends
async def test_many_requests_at_once_load_and_refresh_the_list_with_one_query_each_time(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:  # an admin's own category, not among the defaults
        await conn.execute(
            insert(Category), {"slug": "lift", "name_id": "Lift", "name_en": "Lift", "position": 99}
        )
    queries = count_category_queries(engine)
    cache = CategoryCache(create_sessionmaker(engine), ttl_seconds=0.2)

    first = await asyncio.gather(*(cache.slugs() for _ in range(30)))
    assert all("lift" in slugs for slugs in first)  # nobody was answered from the defaults
    assert len(queries) == 1

    await asyncio.sleep(0.3)  # expired: the next callers are served the list they had, one query refreshes it
    async with engine.begin() as conn:
        await conn.execute(
            insert(Category), {"slug": "atap", "name_id": "Atap", "name_en": "Roof", "position": 98}
        )
    stale = await asyncio.gather(*(cache.slugs() for _ in range(30)))
    assert all("atap" not in slugs for slugs in stale)
    for _ in range(100):
        if "atap" in await cache.slugs():
            break
        await asyncio.sleep(0.01)
    assert "atap" in await cache.slugs()
    assert len(queries) == 2

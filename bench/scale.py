"""Scale: a million reports straight into the database, then the dashboard's list queries timed.

With them 20,000 rooms in 40 buildings (``--rooms``), every report naming one: the room search
(`GET /api/places?q=`, prefix and substring) and the room page's query (a room's open reports) are
timed beside the list queries.

Loads N reports (default 1,000,000) with realistic spreads of status, priority, category and
age into a fresh SQLite file or PostgreSQL database, then runs each list query the API and
dashboard use — filters, text search, keyset pages deep into the list — many times and prints
p50/p95 per query. Target: every query under 50 ms at p95.

    .venv/bin/python -m bench.scale --reports 1000000
    .venv/bin/python -m bench.scale --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/lapor_scale
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, insert
from sqlalchemy.ext.asyncio import create_async_engine

from bench import targets
from bench.worker_throughput import fresh_postgres_database
from lapor.domain.categories import DEFAULT_CATEGORIES
from lapor.domain.enums import Priority, Status
from lapor.store import places_queries, queries
from lapor.store.engine import create_engine as create_async_engine_for
from lapor.store.engine import create_sessionmaker
from lapor.store.migrate import upgrade
from lapor.store.models import Building, Report, Room
from lapor.worker.places import search_text

CATEGORIES = [slug for slug, _id, _en in DEFAULT_CATEGORIES]
WORDS = [
    "lampu",
    "mati",
    "bocor",
    "air",
    "keran",
    "pintu",
    "rusak",
    "kursi",
    "patah",
    "proyektor",
    "wifi",
    "lambat",
    "atap",
    "retak",
    "kotor",
]


BUILDINGS = 40


def room_code(i: int, rooms: int) -> str:
    """Room ``i``'s code: 40 buildings, floors of 25 rooms (``B07-1203``)."""
    per_building = -(-rooms // BUILDINGS)  # rounded up: every room in one of the buildings
    building, number = divmod(i, per_building)
    return f"B{building:02d}-{number // 25 + 1}{number % 25:02d}"


def load_rooms(conn: Connection, rooms: int) -> None:
    """Insert ``rooms`` rooms over ``BUILDINGS`` buildings."""
    conn.execute(insert(Building), [{"code": f"B{b:02d}", "name": f"Gedung {b}"} for b in range(BUILDINGS)])
    rows = []
    for i in range(rooms):
        code = room_code(i, rooms)
        building = code.split("-")[0]
        name = f"Ruang Kuliah {code.split('-')[1]}"
        rows.append(
            {
                "code": code,
                "building_code": building,
                "floor": code.split("-")[1][:-2],
                "name": name,
                "name_en": None,
                "retired": i % 50 == 0,
                "search": search_text(code, name, None, building, f"Gedung {building[1:]}"),
            }
        )
    conn.execute(insert(Room), rows)


def load_rows(conn: Connection, reports: int, batch: int = 20_000, rooms: int = 20_000) -> None:
    """Insert ``reports`` generated reports on a (synchronous) connection, each naming a room."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    statuses = (
        [Status.RESOLVED] * 70 + [Status.PENDING] * 12 + [Status.IN_PROGRESS] * 10 + [Status.REJECTED] * 8
    )
    priorities = [Priority.NORMAL] * 60 + [Priority.MEDIUM] * 30 + [Priority.EMERGENCY] * 10
    for offset in range(0, reports, batch):
        rows = []
        for i in range(offset, min(offset + batch, reports)):
            priority = rng.choice(priorities)
            created = now - timedelta(seconds=(reports - i) * 30)
            words = " ".join(rng.choice(WORDS) for _ in range(8))
            rows.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "tracking_token_hash": "0" * 64,
                    "title": words[:60],
                    "description": f"{words} nomor {i}",
                    "category": rng.choice(CATEGORIES),
                    "location": f"Gedung {chr(65 + i % 12)} ruang {i % 400}",
                    "priority": priority.value,
                    "priority_rank": priority.rank,
                    "status": rng.choice(statuses).value,
                    "reporter_name": "Skala",
                    "language": "id",
                    "created_at": created,
                    "updated_at": created,
                    "room_code": room_code(i % rooms, rooms),
                    "building_code": room_code(i % rooms, rooms).split("-")[0],
                }
            )
        conn.execute(insert(Report), rows)


async def time_queries(async_url: str, repeats: int, rooms: int) -> None:
    engine = create_async_engine_for(async_url)
    sessions = create_sessionmaker(engine)
    filters = queries.ReportFilters

    async def page(
        f: queries.ReportFilters, sort: queries.SortOrder = "newest", cursor: str | None = None
    ) -> None:
        async with sessions() as session:
            await queries.list_reports(session, filters=f, sort=sort, limit=20, cursor=cursor)

    async def cursor_at(depth: int) -> str | None:
        """The cursor of page ``depth`` (newest first), as a browser that paged that far holds it."""
        async with sessions() as session:
            cursor = None
            for _ in range(depth):
                _rows, cursor = await queries.list_reports(
                    session, filters=filters(), limit=20, cursor=cursor
                )
            return cursor

    deep = await cursor_at(500)

    cases: dict[str, Callable[[], Awaitable[None]]] = {
        "newest, first page": lambda: page(filters()),
        "status=pending": lambda: page(filters(status=[Status.PENDING])),
        "open, triage order (dashboard)": lambda: page(
            filters(status=[Status.PENDING, Status.IN_PROGRESS]), sort="priority"
        ),
        "priority=emergency": lambda: page(filters(priority=[Priority.EMERGENCY])),
        "category=plumbing": lambda: page(filters(category="plumbing")),
        "text q=proyektor": lambda: page(filters(q="proyektor")),
        "text q=nomor 123456 (rare)": lambda: page(filters(q="nomor 123456")),
        "keyset page 501 (newest)": lambda: page(filters(), cursor=deep),
        "status counts": lambda: counts(),
        f"places q=B07-12 (prefix, {rooms:,})": lambda: search("B07-12"),
        f"places q=kuliah 31 (substring, {rooms:,})": lambda: search("kuliah 31"),
        "places q=zzz (no match)": lambda: search("zzz"),
        "room page: open reports of a room": lambda: room_page(room_code(rooms // 3, rooms)),
        "reports of building=B03": lambda: page(filters(building="B03")),
    }

    async def search(q: str) -> None:
        async with sessions() as session:
            await places_queries.search_places(session, q=q)

    async def room_page(code: str) -> None:
        async with sessions() as session:
            await places_queries.open_reports_of_room(session, code=code)

    async def counts() -> None:
        async with sessions() as session:
            await queries.status_counts(session)

    print(f"{'query':<40}{'p50 ms':>10}{'p95 ms':>10}")
    worst = 0.0
    for name, case in cases.items():
        await case()  # warm the cache
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            await case()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        worst = max(worst, p95)
        flag = "" if p95 < targets.LIST_QUERY_P95_MS else f"   over {targets.LIST_QUERY_P95_MS:g} ms"
        print(f"{name:<40}{statistics.median(samples):>10.1f}{p95:>10.1f}{flag}")
    targets.verdict("slowest list query p95", worst, targets.LIST_QUERY_P95_MS, " ms")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--rooms", type=int, default=20_000, help="rooms the reports name (at least 40)")
    parser.add_argument(
        "--database-url", default=None, help="postgresql+asyncpg://…/NAME (dropped and re-created)"
    )
    args = parser.parse_args()
    if args.database_url:
        url = args.database_url
        asyncio.run(fresh_postgres_database(url))
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='lapor-scale-')) / 'scale.db'}"
    upgrade(url)
    start = time.time()
    rooms = max(BUILDINGS, args.rooms)
    asyncio.run(load(url, args.reports, rooms))
    print(
        f"loaded {args.reports:,} reports naming {rooms:,} rooms in {time.time() - start:.0f} s"
        f" ({url.split(':')[0]})"
    )
    asyncio.run(time_queries(url, args.repeats, rooms))


async def load(url: str, reports: int, rooms: int) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(load_rooms, rooms)
        await conn.run_sync(lambda sync: load_rows(sync, reports, rooms=rooms))
        if url.startswith("postgresql"):
            await conn.exec_driver_sql("ANALYZE reports")
            await conn.exec_driver_sql("ANALYZE rooms")
        else:
            await conn.exec_driver_sql("ANALYZE")
    await engine.dispose()


if __name__ == "__main__":
    main()

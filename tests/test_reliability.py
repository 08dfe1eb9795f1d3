"""No accepted report is lost or duplicated: crashed workers, poison commands, a locked database."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lapor.broker import keys
from lapor.config import Settings
from lapor.domain.commands import Actor, UpdateReport
from lapor.domain.enums import Role, Status
from lapor.store.models import ProcessedCommand, Report
from tests.factories import StaffUser, both_backends, report_fields
from tests.live import spawn, stop


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    """Without the per-address limit: these tests send hundreds of reports from one client."""
    return make_settings(database_url, intake_rate_limit=0)


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def submit_many(client: httpx.AsyncClient, n: int) -> list[str]:
    ids = []
    for i in range(n):
        response = await client.post(
            "/api/reports", json=report_fields(description=f"Laporan nomor {i} rusak")
        )
        assert response.status_code == 202
        ids.append(response.json()["id"])
    return ids


@both_backends
async def test_worker_killed_mid_batch_loses_and_duplicates_nothing(
    client: httpx.AsyncClient,
    redis: Redis,
    engine: AsyncEngine,
    env_for: Callable[..., dict[str, str]],
    drain: Callable[..., Any],
) -> None:
    ids = await submit_many(client, 600)
    worker = spawn("worker", env=env_for(LAPOR_WORKER_BATCH_SIZE="50"))
    try:
        deadline = time.monotonic() + 30
        while await count(engine, Report) < 20:
            assert time.monotonic() < deadline, "the worker never started persisting"
            await asyncio.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop(worker)
    persisted_at_kill = await count(engine, Report)
    assert persisted_at_kill < len(ids), "the worker finished before it could be killed"
    groups = await redis.xinfo_groups(keys.COMMANDS)
    assert groups[0]["pending"] > 0 or groups[0]["lag"] > 0

    await drain()  # a new worker reclaims the dead one's entries after the claim idle time
    assert await count(engine, Report) == len(ids)
    assert await count(engine, ProcessedCommand) == len(ids)
    async with engine.connect() as conn:
        stored = set((await conn.execute(select(Report.id))).scalars())
    assert stored == set(ids)
    info = (await redis.xinfo_groups(keys.COMMANDS))[0]
    assert info["pending"] == 0 and info["lag"] == 0


async def test_poison_command_goes_to_the_dead_letter_stream_and_can_be_replayed(
    client: httpx.AsyncClient,
    redis: Redis,
    engine: AsyncEngine,
    drain: Callable[..., Any],
    admin: StaffUser,
    technician: StaffUser,
) -> None:
    await redis.xadd(keys.COMMANDS, {"type": "report.create", "id": "x", "data": '{"not": "a command"}'})
    # An update for a report that never existed fails every time it is tried.
    orphan = UpdateReport(
        report_id="6f1d2c3b-0000-4000-8000-000000000000",
        actor=Actor(role=Role.ADMIN, name="Admin"),
        status=Status.IN_PROGRESS,
    )
    await redis.xadd(
        keys.COMMANDS, {"type": orphan.type, "id": orphan.command_id, "data": orphan.model_dump_json()}
    )
    good = await submit_many(client, 3)

    await drain(worker_max_attempts=2)
    assert await count(engine, Report) == 3  # the others kept flowing
    assert await redis.xlen(keys.DEAD_LETTERS) == 2

    assert (await client.get("/api/admin/dead-letters", headers=technician.headers)).status_code == 403
    letters = (await client.get("/api/admin/dead-letters", headers=admin.headers)).json()["items"]
    assert {letter["type"] for letter in letters} == {"report.create", "report.update"}
    undecodable = next(letter for letter in letters if letter["type"] == "report.create")
    assert "undecodable" in undecodable["error"]

    # Once the cause is fixed (here: the report exists), a replay applies it.
    update = next(letter for letter in letters if letter["type"] == "report.update")
    assert update["command_id"] == orphan.command_id
    await redis.xdel(keys.DEAD_LETTERS, update["id"])
    replayed = UpdateReport(
        command_id=orphan.command_id, report_id=good[0], actor=orphan.actor, status=Status.IN_PROGRESS
    )
    dead_id = await redis.xadd(
        keys.DEAD_LETTERS,
        {"type": replayed.type, "id": replayed.command_id, "data": replayed.model_dump_json()},
    )
    response = await client.post(f"/api/admin/dead-letters/{dead_id}/replay", headers=admin.headers)
    assert response.status_code == 202
    await drain()
    assert (await client.get(f"/api/reports/{good[0]}")).json()["status"] == "in_progress"
    assert await redis.xlen(keys.DEAD_LETTERS) == 1
    missing = await client.post("/api/admin/dead-letters/1-1/replay", headers=admin.headers)
    assert missing.status_code == 404


async def test_locked_database_is_waited_out_and_intake_keeps_accepting(
    client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings, drain: Callable[..., Any]
) -> None:
    path = settings.resolved_database_url.split("///", 1)[1]
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")  # as a backup tool or a long migration would
    released = threading.Event()

    def release_later() -> None:
        time.sleep(6.5)  # longer than SQLite's 5 s busy timeout: the worker must retry
        locker.execute("ROLLBACK")
        released.set()

    threading.Thread(target=release_later, daemon=True).start()
    try:
        ids = await submit_many(client, 5)  # the API does not need the database to accept
        assert not released.is_set()
        await drain(worker_db_retry_max_seconds=0.5)
        assert released.is_set()
    finally:
        released.wait(10)
        locker.close()
    assert await count(engine, Report) == 5
    for report_id in ids:
        assert (await client.get(f"/api/reports/{report_id}")).json()["status"] == "pending"


async def test_database_down_keeps_intake_and_staff_changes_flowing(
    make_settings: Callable[..., Settings], redis: Redis, technician: StaffUser
) -> None:
    from lapor.app import create_app

    # A PostgreSQL that does not answer (nothing listens on port 1).
    settings = make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/test")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        accepted = await http.post("/api/reports", json=report_fields())
        assert accepted.status_code == 202
        report_id = accepted.json()["id"]
        assert (await http.get(f"/api/reports/{report_id}")).json()["status"] == "queued"
        change = await http.patch(
            f"/api/reports/{report_id}", json={"status": "in_progress"}, headers=technician.headers
        )
        assert change.status_code == 202
        listing = await http.get("/api/reports", headers={"Accept-Language": "en"})
        assert listing.status_code == 503
        assert listing.json()["error"]["message"].startswith("The database cannot be reached")
        assert (await http.get("/readyz")).json()["checks"]["database"].startswith("error")
    assert await redis.xlen(keys.COMMANDS) == 2


async def test_a_database_that_never_answers_does_not_hold_up_start_or_intake(
    make_settings: Callable[..., Settings], redis: Redis
) -> None:
    from lapor.app import create_app

    connections: list[asyncio.StreamWriter] = []

    async def accept_and_say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read()  # like a host behind a firewall that drops the replies

    silent = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    app = create_app(make_settings(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/test"))
    transport = httpx.ASGITransport(app=app)
    try:
        started = time.monotonic()
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as http,
        ):
            assert time.monotonic() - started < 5  # the warm-up gives up; it does not wait a minute
            before = time.monotonic()
            accepted = await http.post("/api/reports", json=report_fields(category="electrical"))
            assert accepted.status_code == 202  # a default category, checked against the defaults
            assert time.monotonic() - before < 4
    finally:
        for connection in connections:
            connection.close()
        silent.close()
        await silent.wait_closed()
    assert await redis.xlen(keys.COMMANDS) == 1

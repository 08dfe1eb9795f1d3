"""Time limits: a batch that runs over is a failed attempt; PostgreSQL sessions time out; backoff."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from lapor.broker import keys
from lapor.config import Settings
from lapor.store.models import Report
from lapor.worker.backoff import Backoff, delay
from lapor.worker.loop import Worker
from lapor.worker.transactions import transaction_runner, worker_runner
from tests.factories import StaffUser, submit

postgres_only = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@postgres_only
async def test_a_command_over_the_batch_time_limit_is_a_failed_attempt_then_applied(
    client: httpx.AsyncClient,
    redis: Redis,
    engine: AsyncEngine,
    settings: Settings,
    technician: StaffUser,
    drain: Callable[..., Any],
) -> None:
    report_id = (await submit(client)).json()["id"]
    await drain()
    blocker = await engine.connect()
    locked = await blocker.begin()
    # Someone holds the report's row lock (a stuck session): the worker's update waits on it.
    await blocker.execute(select(Report.id).where(Report.id == report_id).with_for_update())
    change = await client.patch(
        f"/api/reports/{report_id}", json={"status": "in_progress"}, headers=technician.headers
    )
    assert change.status_code == 202

    quick = settings.model_copy(update={"worker_batch_timeout_seconds": 0.5})
    runner = transaction_runner(settings.resolved_database_url)  # no lock_timeout: only our limit
    worker = Worker(quick, redis, runner, burst=True)
    running = asyncio.create_task(worker.run())
    try:
        deadline = time.monotonic() + 30
        while not await redis.hgetall(keys.FAILURES):  # type: ignore[misc]
            assert time.monotonic() < deadline, "the timed-out command was never counted as failed"
            assert not running.done()
            await asyncio.sleep(0.05)
        await locked.rollback()  # the lock is gone: the retry on reclaim goes through
        await blocker.close()
        await asyncio.wait_for(running, timeout=60)
    finally:
        await runner.dispose()
        if not blocker.closed:
            await blocker.close()

    view = (await client.get(f"/api/reports/{report_id}")).json()
    assert view["status"] == "in_progress"
    assert await redis.xlen(keys.DEAD_LETTERS) == 0
    assert await redis.hgetall(keys.FAILURES) == {}  # type: ignore[misc]


@postgres_only
async def test_worker_sessions_on_postgresql_have_statement_and_lock_timeouts(
    redis: Redis, make_settings: Callable[..., Settings], database_url: str
) -> None:
    settings = make_settings(database_url, database_statement_timeout_ms=7000, database_lock_timeout_ms=300)
    runner = worker_runner(settings)
    try:
        shown = await runner.run(
            lambda session: (
                session.execute(text("SHOW statement_timeout")).scalar_one(),
                session.execute(text("SHOW lock_timeout")).scalar_one(),
            )
        )
    finally:
        await runner.dispose()
    assert shown == ("7s", "300ms")


def test_backoff_grows_is_capped_and_jittered() -> None:
    for failures in range(1, 12):
        ceiling = min(10.0, 0.5 * 2 ** (failures - 1))
        waits = {delay(failures, base=0.5, cap=10.0) for _ in range(20)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(waits) > 1  # jittered: workers that failed together do not return together
    loop = Backoff(base=1.0, cap=4.0)
    assert [loop.next() <= cap for cap in (1, 2, 4, 4)] == [True] * 4
    loop.reset()
    assert loop.next() <= 1.0

"""Group commit: a worker applies a batch of commands in one transaction, and falls back to one
command at a time when any of them fails, with nothing lost, doubled or reordered."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import httpx
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from lapor.broker import keys
from lapor.config import Settings
from lapor.domain.commands import Actor, UpdateReport
from lapor.domain.enums import Role, Status
from lapor.store import retention
from lapor.store.models import ProcessedCommand, Report, StatusCount
from lapor.worker import photos
from lapor.worker.loop import Worker
from lapor.worker.transactions import TransactionRunner, transaction_runner
from tests.factories import StaffUser, both_backends, report_fields

T = TypeVar("T")


class CountingRunner:
    """The worker's real transaction runner, counting the transactions that apply commands (not
    the housekeeping that forgets old records, nor the photo stage's look for pending photos)."""

    def __init__(self, inner: TransactionRunner) -> None:
        self.inner = inner
        self.transactions = 0
        self.failed_batches = 0  # whole-batch transactions that raised (nothing of them committed)

    async def run(self, work: Callable[[Session], T]) -> T:
        if isinstance(work, partial) and work.func.__module__ in (retention.__name__, photos.__name__):
            return await self.inner.run(work)
        self.transactions += 1
        try:
            return await self.inner.run(work)
        except Exception:
            if getattr(work, "__name__", "") == "apply_all":  # apply.apply_together's transaction
                self.failed_batches += 1
            raise

    async def dispose(self) -> None:
        await self.inner.dispose()


async def run_burst_worker(settings: Settings, redis: Redis, **overrides: Any) -> CountingRunner:
    worker_settings = settings.model_copy(update=overrides) if overrides else settings
    runner = CountingRunner(transaction_runner(worker_settings.resolved_database_url))
    try:
        await Worker(worker_settings, redis, runner, burst=True).run()
    finally:
        await runner.dispose()
    return runner


async def submit_many(client: httpx.AsyncClient, n: int) -> list[str]:
    ids = []
    for i in range(n):
        response = await client.post("/api/reports", json=report_fields(description=f"Kran bocor nomor {i}"))
        assert response.status_code == 202
        ids.append(response.json()["id"])
    return ids


async def stored(engine: AsyncEngine) -> tuple[int, int, dict[str, int], dict[str, int]]:
    """Reports, processed commands, reports by status, and the kept status counts."""
    async with engine.connect() as conn:
        reports = (await conn.execute(select(func.count()).select_from(Report))).scalar_one()
        processed = (await conn.execute(select(func.count()).select_from(ProcessedCommand))).scalar_one()
        by_status = dict(
            (await conn.execute(select(Report.status, func.count()).group_by(Report.status))).all()
        )
        kept = dict((await conn.execute(select(StatusCount.status, StatusCount.count))).all())
    return reports, processed, by_status, {status: n for status, n in kept.items() if n}


@both_backends
async def test_a_batch_is_applied_in_one_transaction_in_stream_order(
    client: httpx.AsyncClient,
    settings: Settings,
    redis: Redis,
    engine: AsyncEngine,
    technician: StaffUser,
) -> None:
    ids = await submit_many(client, 10)
    # Changes to a report still in the queue travel in the same batch as its creation.
    for status in ("in_progress", "resolved"):
        change = await client.patch(
            f"/api/reports/{ids[3]}", json={"status": status}, headers=technician.headers
        )
        assert change.status_code == 202

    runner = await run_burst_worker(settings, redis, worker_batch_size=50)

    assert runner.transactions == 1
    assert await stored(engine) == (10, 12, {"pending": 9, "resolved": 1}, {"pending": 9, "resolved": 1})
    report = (await client.get(f"/api/reports/{ids[3]}", headers=technician.headers)).json()
    assert [entry["status"] for entry in report["timeline"]] == ["pending", "in_progress", "resolved"]
    info = (await redis.xinfo_groups(keys.COMMANDS))[0]
    assert info["pending"] == 0 and info["lag"] == 0


@both_backends
async def test_a_batch_with_a_redelivered_and_a_failing_command_goes_one_by_one(
    client: httpx.AsyncClient, settings: Settings, redis: Redis, engine: AsyncEngine, technician: StaffUser
) -> None:
    (first,) = await submit_many(client, 1)
    await run_burst_worker(settings, redis)
    ((_entry_id, fields),) = await redis.xrange(keys.COMMANDS)
    await redis.xadd(keys.COMMANDS, fields)  # delivered again, as after a crash before XACK
    later = await submit_many(client, 3)
    orphan = UpdateReport(
        report_id="6f1d2c3b-0000-4000-8000-000000000000",
        actor=Actor(role=Role.ADMIN, name="Admin"),
        status=Status.IN_PROGRESS,
    )  # a report that never existed: this command fails every time
    await redis.xadd(
        keys.COMMANDS, {"type": orphan.type, "id": orphan.command_id, "data": orphan.model_dump_json()}
    )
    more = await submit_many(client, 2)

    runner = await run_burst_worker(settings, redis, worker_batch_size=50, worker_max_attempts=1)

    assert runner.failed_batches == 1  # the batch was tried whole, then each command on its own
    assert await stored(engine) == (6, 6, {"pending": 6}, {"pending": 6})
    for report_id in [first, *later, *more]:
        report = (await client.get(f"/api/reports/{report_id}", headers=technician.headers)).json()
        assert report["status"] == "pending"
        assert len(report["timeline"]) == 1
    assert await redis.xlen(keys.DEAD_LETTERS) == 1
    info = (await redis.xinfo_groups(keys.COMMANDS))[0]
    assert info["pending"] == 0 and info["lag"] == 0

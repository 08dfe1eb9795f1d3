"""The seed's simulated repair: a pretend technician moves each new report along, via commands."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import httpx
from redis.asyncio import Redis

from lapor.worker.simulator import simulate_repairs
from tests.factories import report_fields


async def test_simulated_technician_starts_then_resolves_each_new_report(
    client: httpx.AsyncClient, redis: Redis, drain: Callable[..., Any]
) -> None:
    simulator = asyncio.create_task(simulate_repairs(redis, delay_seconds=0.2))
    try:
        await asyncio.sleep(0.1)  # the simulator starts tailing from "now"
        accepted = (await client.post("/api/reports", json=report_fields())).json()
        report_id = accepted["id"]
        statuses = []
        for _ in range(50):
            await drain()
            status = (await client.get(f"/api/reports/{report_id}")).json()["status"]
            if not statuses or statuses[-1] != status:
                statuses.append(status)
            if status == "resolved":
                break
            await asyncio.sleep(0.1)
    finally:
        simulator.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await simulator
    assert statuses == ["pending", "in_progress", "resolved"]
    reporter = {"X-Tracking-Token": accepted["tracking_token"]}
    timeline = (await client.get(f"/api/reports/{report_id}", headers=reporter)).json()["timeline"]
    assert [entry["by"] for entry in timeline[1:]] == ["Teknisi simulasi", "Teknisi simulasi"]

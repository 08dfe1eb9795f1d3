"""The seed's "simulated repair", kept for demos: a pretend technician works every new report.

It sends the same commands a person would, so the pipeline it exercises is the real one.
"""

from __future__ import annotations

import asyncio
import json
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from lapor.broker import event_stream
from lapor.broker.intake_script import send_command
from lapor.domain.commands import Actor, UpdateReport
from lapor.domain.enums import Role, Status

log = logging.getLogger("lapor.simulator")

SIMULATED_TECHNICIAN = Actor(role=Role.TECHNICIAN, name="Teknisi simulasi")


async def simulate_repairs(redis: Redis, *, delay_seconds: float) -> None:
    """Forever: each report that becomes ``pending`` from ``queued`` is started, then resolved."""
    last_id = await event_stream.last_event_id(redis)
    repairs: set[asyncio.Task[None]] = set()
    while True:
        try:
            batch = await event_stream.read_after(redis, last_id, count=100, block_ms=5000)
        except RedisError as exc:
            log.warning("simulator: Redis unavailable (%s)", exc)
            await asyncio.sleep(1)
            continue
        for entry_id, fields in batch:
            last_id = entry_id
            event = json.loads(fields.get("data", "{}"))
            if event.get("status") == Status.PENDING and event.get("previous_status") == Status.QUEUED:
                task = asyncio.create_task(_repair(redis, event["report_id"], delay_seconds))
                repairs.add(task)
                task.add_done_callback(repairs.discard)


async def _repair(redis: Redis, report_id: str, delay_seconds: float) -> None:
    for status in (Status.IN_PROGRESS, Status.RESOLVED):
        await asyncio.sleep(delay_seconds)
        command = UpdateReport(report_id=report_id, actor=SIMULATED_TECHNICIAN, status=status)
        await send_command(redis, command, wait_aof=False)
        log.info("simulated technician moved %s to %s", report_id, status.value)

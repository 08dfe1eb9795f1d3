"""What an operator wants to know about the broker: backlog, pending work, dead letters, workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from lapor.broker import keys

# Upper bounds (seconds) of the submit-to-commit histogram the workers keep in Redis.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True, slots=True)
class BrokerStats:
    stream_length: int  # entries kept in the command stream (acknowledged ones included)
    waiting: int  # entries no worker has read yet
    pending: int  # entries read but not acknowledged
    pending_per_consumer: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    live_workers: list[str] = field(default_factory=list)
    photos: PhotoStageStats = field(default_factory=lambda: PhotoStageStats())


@dataclass(frozen=True, slots=True)
class PhotoStageStats:
    """The workers' photo stage, as they last wrote it to Redis (``worker/photos.py``)."""

    pending: int = 0  # photos stored and not yet rendered
    failures: int = 0  # failed attempts so far (storage errors: unreadable upload, unwritable photos)
    error: str | None = None  # the last storage error, until a photo is rendered again
    error_at: str | None = None


async def broker_stats(redis: Redis) -> BrokerStats:
    """One snapshot; ``waiting`` is the group's lag as Redis 7 reports it."""
    stream_length = int(await redis.xlen(keys.COMMANDS))
    waiting, pending = stream_length, 0
    per_consumer: dict[str, int] = {}
    try:
        groups = await redis.xinfo_groups(keys.COMMANDS)
    except ResponseError:  # no stream yet
        groups = []
    for group in groups:
        if group["name"] == keys.WORKER_GROUP:
            pending = int(group["pending"])
            lag = group.get("lag")
            waiting = int(lag) if lag is not None else await _count_after(redis, group["last-delivered-id"])
    if pending:
        summary = await redis.xpending(keys.COMMANDS, keys.WORKER_GROUP)
        per_consumer = {c["name"]: int(c["pending"]) for c in summary.get("consumers") or []}
    return BrokerStats(
        stream_length=stream_length,
        waiting=waiting,
        pending=pending,
        pending_per_consumer=per_consumer,
        dead_letters=int(await redis.xlen(keys.DEAD_LETTERS)),
        live_workers=await live_workers(redis),
        photos=await photo_stage_stats(redis),
    )


async def photo_stage_stats(redis: Redis) -> PhotoStageStats:
    stage: Any = await redis.hgetall(keys.PHOTO_STAGE)
    return PhotoStageStats(
        pending=int(stage.get("pending", 0)),
        failures=int(stage.get("failures", 0)),
        error=stage.get("error"),
        error_at=stage.get("error_at"),
    )


async def _count_after(redis: Redis, last_delivered: str) -> int:
    """Entries after the group's last delivered id (Redis gives no lag after some deletions)."""
    entries: Any = await redis.xrange(keys.COMMANDS, min=f"({last_delivered}", count=100_000)
    return len(entries)


async def live_workers(redis: Redis) -> list[str]:
    """Consumers whose heartbeat key has not expired."""
    names = [
        key.removeprefix(keys.worker_heartbeat(""))
        async for key in redis.scan_iter(keys.WORKER_HEARTBEAT_PATTERN)
    ]
    return sorted(names)

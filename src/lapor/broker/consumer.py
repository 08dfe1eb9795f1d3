"""The consumer side of the command stream: read, reclaim, acknowledge, dead-letter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from lapor.broker import keys
from lapor.broker.streamids import stream_id_key


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry: the broker's id and the command's fields."""

    entry_id: str
    fields: dict[str, str]

    @property
    def data(self) -> str:
        return self.fields.get("data", "")


async def ensure_group(redis: Redis) -> None:
    """Create the workers' consumer group on the command stream, from its start so nothing is
    skipped; and the notifiers' group on the event stream, from now on (a new installation must
    not send pushes for the events of its past)."""
    await _create_group(redis, keys.COMMANDS, keys.WORKER_GROUP, start="0")
    await _create_group(redis, keys.EVENTS, keys.NOTIFIER_GROUP, start="$")


async def _create_group(redis: Redis, stream: str, group: str, *, start: str) -> None:
    try:
        await redis.xgroup_create(stream, group, id=start, mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def read_new(
    redis: Redis,
    consumer: str,
    *,
    count: int,
    block_ms: int | None,
    stream: str = keys.COMMANDS,
    group: str = keys.WORKER_GROUP,
) -> list[Entry]:
    """Entries never delivered to anyone; they join this consumer's pending list."""
    response: Any = await redis.xreadgroup(group, consumer, {stream: ">"}, count=count, block=block_ms)
    return [Entry(entry_id, fields) for _stream, entries in response or [] for entry_id, fields in entries]


async def claim_stale(
    redis: Redis,
    consumer: str,
    *,
    min_idle_ms: int,
    count: int,
    stream: str = keys.COMMANDS,
    group: str = keys.WORKER_GROUP,
) -> list[Entry]:
    """Take over entries another consumer has held for longer than ``min_idle_ms`` (it died)."""
    _cursor, claimed, deleted = await redis.xautoclaim(
        stream, group, consumer, min_idle_ms, start_id="0-0", count=count
    )
    if deleted:
        await redis.xack(stream, group, *deleted)
    return [Entry(entry_id, fields) for entry_id, fields in claimed if fields]


async def record_failure(redis: Redis, entry_id: str) -> int:
    """Count one more failed attempt at an entry; returns the attempts so far."""
    return int(await redis.hincrby(keys.FAILURES, entry_id, 1))


async def dead_letter(redis: Redis, entry: Entry, *, error: str, consumer: str) -> None:
    """Move an entry that keeps failing to the dead-letter stream, atomically with its ack."""
    async with redis.pipeline(transaction=True) as pipe:
        fields: dict[Any, Any] = dict(entry.fields)
        fields.update(original_id=entry.entry_id, error=error[:2000], consumer=consumer)
        pipe.xadd(keys.DEAD_LETTERS, fields)
        pipe.xack(keys.COMMANDS, keys.WORKER_GROUP, entry.entry_id)
        pipe.hdel(keys.FAILURES, entry.entry_id)
        await pipe.execute()


async def trim_acknowledged(redis: Redis) -> int:
    """Drop entries every consumer is done with: older than anything pending or undelivered.

    Returns how many entries were removed. Safe with several workers: an entry is only
    removed once the group has delivered it and nobody holds it unacknowledged.
    """
    try:
        groups: Any = await redis.xinfo_groups(keys.COMMANDS)
    except ResponseError:
        return 0
    group = next((g for g in groups if g["name"] == keys.WORKER_GROUP), None)
    if group is None:
        return 0
    floor = str(group["last-delivered-id"])
    if int(group["pending"]):
        summary: Any = await redis.xpending(keys.COMMANDS, keys.WORKER_GROUP)
        floor = min(floor, str(summary["min"]), key=stream_id_key)
    if floor == "0-0":
        return 0
    removed: Any = await redis.xtrim(keys.COMMANDS, minid=floor, approximate=False)
    return int(removed)


async def forget_idle_consumers(redis: Redis, *, idle_ms: int) -> list[str]:
    """Remove consumers that hold nothing and have not been seen for ``idle_ms`` (dead workers)."""
    try:
        consumers: Any = await redis.xinfo_consumers(keys.COMMANDS, keys.WORKER_GROUP)
    except ResponseError:
        return []
    gone = [c["name"] for c in consumers if int(c["pending"]) == 0 and int(c["idle"]) > idle_ms]
    for name in gone:
        await redis.xgroup_delconsumer(keys.COMMANDS, keys.WORKER_GROUP, name)
    return gone


async def forget_consumer_if_idle(redis: Redis, name: str) -> None:
    """On a clean exit: leave the group if nothing is left pending under our name."""
    pending: Any = await redis.xpending_range(
        keys.COMMANDS, keys.WORKER_GROUP, "-", "+", 1, consumername=name
    )
    if not pending:
        await redis.xgroup_delconsumer(keys.COMMANDS, keys.WORKER_GROUP, name)

"""The consumer side of the command stream: read, reclaim, acknowledge, dead-letter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from lapor.broker import keys


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry: the broker's id and the command's fields."""

    entry_id: str
    fields: dict[str, str]

    @property
    def data(self) -> str:
        return self.fields.get("data", "")


async def ensure_group(redis: Redis) -> None:
    """Create the workers' consumer group; from the start of the stream, so nothing is skipped."""
    try:
        await redis.xgroup_create(keys.COMMANDS, keys.WORKER_GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def read_new(redis: Redis, consumer: str, *, count: int, block_ms: int | None) -> list[Entry]:
    """Entries never delivered to anyone; they join this consumer's pending list."""
    response: Any = await redis.xreadgroup(
        keys.WORKER_GROUP, consumer, {keys.COMMANDS: ">"}, count=count, block=block_ms
    )
    return [Entry(entry_id, fields) for _stream, entries in response or [] for entry_id, fields in entries]


async def read_own_pending(redis: Redis, consumer: str, *, count: int) -> list[Entry]:
    """Entries this consumer name was given before and never acknowledged (after a restart)."""
    response: Any = await redis.xreadgroup(keys.WORKER_GROUP, consumer, {keys.COMMANDS: "0"}, count=count)
    return _entries(response)


async def claim_stale(redis: Redis, consumer: str, *, min_idle_ms: int, count: int) -> list[Entry]:
    """Take over entries another consumer has held for longer than ``min_idle_ms`` (it died)."""
    _cursor, claimed, deleted = await redis.xautoclaim(
        keys.COMMANDS, keys.WORKER_GROUP, consumer, min_idle_ms, start_id="0-0", count=count
    )
    if deleted:
        await redis.xack(keys.COMMANDS, keys.WORKER_GROUP, *deleted)
    return [Entry(entry_id, fields) for entry_id, fields in claimed if fields]


def _entries(response: Any) -> list[Entry]:
    """Flatten an XREADGROUP answer; an entry deleted from the stream comes back with no fields."""
    return [
        Entry(entry_id, fields)
        for _stream, entries in response or []
        for entry_id, fields in entries
        if fields
    ]


async def ack(redis: Redis, *entry_ids: str) -> None:
    if not entry_ids:
        return
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xack(keys.COMMANDS, keys.WORKER_GROUP, *entry_ids)
        pipe.hdel(keys.FAILURES, *entry_ids)
        await pipe.execute()


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

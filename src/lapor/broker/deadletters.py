"""Dead letters: inspect them, and replay one onto the command stream once its cause is fixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from lapor.broker import keys

_REQUEUE_FIELDS = ("type", "id", "data")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    dead_id: str
    original_id: str
    command_type: str
    command_id: str
    error: str
    data: str


async def list_dead_letters(redis: Redis, *, count: int = 100) -> list[DeadLetter]:
    """The newest dead letters first."""
    entries: Any = await redis.xrevrange(keys.DEAD_LETTERS, count=count)
    return [
        DeadLetter(
            dead_id=entry_id,
            original_id=fields.get("original_id", ""),
            command_type=fields.get("type", ""),
            command_id=fields.get("id", ""),
            error=fields.get("error", ""),
            data=fields.get("data", ""),
        )
        for entry_id, fields in entries
    ]


async def replay(redis: Redis, dead_id: str) -> str | None:
    """Put a dead letter back on the command stream; returns the new entry id, None if unknown.

    The command keeps its id, so replaying one that did get applied after all changes nothing.
    """
    entries: Any = await redis.xrange(keys.DEAD_LETTERS, min=dead_id, max=dead_id)
    if not entries:
        return None
    fields: dict[str, str] = entries[0][1]
    requeued: dict[Any, Any] = {name: fields[name] for name in _REQUEUE_FIELDS if name in fields}
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(keys.COMMANDS, requeued)
        pipe.xdel(keys.DEAD_LETTERS, dead_id)
        new_id, _ = await pipe.execute()
    return str(new_id)

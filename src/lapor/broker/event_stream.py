"""The event stream: the worker appends after each commit; readers tail it by stream id."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from lapor.broker import keys
from lapor.domain.events import ReportEvent


def append(pipe: Pipeline, events: list[ReportEvent], *, maxlen: int) -> None:
    """Queue XADDs of ``events`` on a pipeline, in order; the stream is capped near ``maxlen``."""
    for event in events:
        fields: dict[Any, Any] = {"report_id": event.report_id, "data": event.model_dump_json()}
        if event.room:
            fields["room"] = event.room  # a room page's stream picks by it without parsing the data
        pipe.xadd(
            keys.EVENTS,
            fields,
            maxlen=maxlen,
            approximate=True,
        )


async def last_event_id(redis: Redis) -> str:
    """The id of the newest event, or ``0-0`` for an empty stream."""
    newest = await redis.xrevrange(keys.EVENTS, count=1)
    return str(newest[0][0]) if newest else "0-0"


async def read_after(
    redis: Redis, after_id: str, *, count: int, block_ms: int | None = None
) -> list[tuple[str, dict[str, str]]]:
    """Events after ``after_id`` (exclusive), oldest first; blocks up to ``block_ms`` for new ones."""
    response: Any = await redis.xread({keys.EVENTS: after_id}, count=count, block=block_ms)
    return [(entry_id, fields) for _stream, entries in response or [] for entry_id, fields in entries]

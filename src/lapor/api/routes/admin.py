"""Admin-only operations: the broker's state and the dead-letter stream."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from lapor.api.deps import AdminDep, RedisDep
from lapor.api.errors import NotFound
from lapor.broker.deadletters import list_dead_letters, replay
from lapor.broker.stats import broker_stats

router = APIRouter(prefix="/api/admin", tags=["admin"])


@router.get("/status", summary="Queue, pending entries, dead letters, live workers")
async def status(user: AdminDep, redis: RedisDep) -> dict[str, Any]:
    stats = await broker_stats(redis)
    return {
        "waiting": stats.waiting,
        "pending": stats.pending,
        "pending_per_consumer": stats.pending_per_consumer,
        "dead_letters": stats.dead_letters,
        "live_workers": stats.live_workers,
    }


@router.get("/dead-letters", summary="Commands that kept failing, newest first")
async def dead_letters(
    user: AdminDep, redis: RedisDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> dict[str, Any]:
    letters = await list_dead_letters(redis, count=limit)
    return {
        "items": [
            {
                "id": d.dead_id,
                "original_id": d.original_id,
                "type": d.command_type,
                "command_id": d.command_id,
                "error": d.error,
            }
            for d in letters
        ]
    }


@router.post("/dead-letters/{dead_id}/replay", status_code=202, summary="Put a dead letter back on the queue")
async def replay_dead_letter(
    user: AdminDep, redis: RedisDep, dead_id: Annotated[str, Path(pattern=r"^\d{1,20}-\d{1,20}$")]
) -> dict[str, str]:
    new_id = await replay(redis, dead_id)
    if new_id is None:
        raise NotFound("error.dead_letter_not_found")
    return {"entry_id": new_id}

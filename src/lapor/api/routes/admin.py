"""Admin-only operations: the broker's state and the dead-letter stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from lapor.broker.deadletters import list_dead_letters, replay
from lapor.broker.stats import broker_stats
from lapor.broker.streamids import is_stream_id
from lapor.errors import NotFound, ValidationFailed
from lapor.http.deps import AdminDep, RedisDep
from lapor.http.errors import error_responses

router = APIRouter(prefix="/api/admin", tags=["admin"])


class PhotoStage(BaseModel):
    pending: int = Field(description="Photos of stored reports not rendered yet")
    failures: int = Field(description="Failed attempts at rendering so far (storage errors)")
    error: str | None = Field(
        description="The last storage error, naming the directory; null once a photo renders"
    )
    error_at: str | None


class BrokerStatus(BaseModel):
    waiting: int
    pending: int
    pending_per_consumer: dict[str, int]
    dead_letters: int
    live_workers: list[str]
    photos: PhotoStage


class DeadLetterItem(BaseModel):
    id: str
    original_id: str
    type: str
    command_id: str
    error: str


class DeadLetters(BaseModel):
    items: list[DeadLetterItem]


class Replayed(BaseModel):
    entry_id: str


@router.get(
    "/status",
    response_model=BrokerStatus,
    summary="Queue, pending entries, dead letters, live workers",
    responses=error_responses(401, 403),
)
async def status(user: AdminDep, redis: RedisDep) -> BrokerStatus:
    stats = await broker_stats(redis)
    return BrokerStatus(
        waiting=stats.waiting,
        pending=stats.pending,
        pending_per_consumer=stats.pending_per_consumer,
        dead_letters=stats.dead_letters,
        live_workers=stats.live_workers,
        photos=PhotoStage(
            pending=stats.photos.pending,
            failures=stats.photos.failures,
            error=stats.photos.error,
            error_at=stats.photos.error_at,
        ),
    )


@router.get(
    "/dead-letters",
    response_model=DeadLetters,
    summary="Commands that kept failing, newest first",
    responses=error_responses(401, 403, 422),
)
async def dead_letters(
    user: AdminDep, redis: RedisDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> DeadLetters:
    letters = await list_dead_letters(redis, count=limit)
    return DeadLetters(
        items=[
            DeadLetterItem(
                id=d.dead_id,
                original_id=d.original_id,
                type=d.command_type,
                command_id=d.command_id,
                error=d.error,
            )
            for d in letters
        ]
    )


@router.post(
    "/dead-letters/{dead_id}/replay",
    status_code=202,
    response_model=Replayed,
    summary="Put a dead letter back on the queue",
    responses=error_responses(401, 403, 404, 422),
)
async def replay_dead_letter(
    user: AdminDep, redis: RedisDep, dead_id: Annotated[str, Path(pattern=r"^[0-9]{1,20}-[0-9]{1,20}$")]
) -> Replayed:
    if not is_stream_id(dead_id):  # each part must also fit in 64 bits
        raise ValidationFailed([("dead_id", "field.invalid", {})])
    new_id = await replay(redis, dead_id)
    if new_id is None:
        raise NotFound("error.dead_letter_not_found")
    return Replayed(entry_id=new_id)

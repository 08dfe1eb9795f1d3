"""Places: the public room search; the admin's registry, CSV download and QR label sheets."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from lapor.config import Settings
from lapor.domain.commands import Actor
from lapor.domain.enums import Role
from lapor.domain.fields import NoNul
from lapor.domain.places import CODE_PATTERN, PlaceRow, RowError, check_row, normalize_code, to_csv
from lapor.errors import NotFound, ServiceUnavailable, ValidationFailed
from lapor.http.deps import AdminDep, RedisDep, SessionDep, SettingsDep
from lapor.http.errors import error_responses
from lapor.services import labels
from lapor.services import places as service
from lapor.store import places_queries
from lapor.store.models import User

router = APIRouter(prefix="/api", tags=["places"])

# The places page waits this long for the worker; after it, the change is still applied later.
WAIT_SECONDS = 10.0
MAX_LABEL_ROOMS = 400


class Place(BaseModel):
    code: str
    name: str
    name_en: str | None
    building: str
    building_name: str
    floor: str


class Places(BaseModel):
    items: list[Place]


@router.get(
    "/places",
    response_model=Places,
    summary="Rooms in use whose code or name matches (prefix first, then substring); at most 20",
    responses=error_responses(422, 503),
)
async def search_places(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=60, description="Part of a room's code or name"), NoNul],
) -> dict[str, Any]:
    return {"items": await service.search(session=session, q=q)}


class PlaceIn(BaseModel):
    """A room added or changed on the places page (by code); its building is made if new."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(max_length=20)]
    building: Annotated[str, Field(max_length=20)]
    floor: Annotated[str, Field(max_length=10)]
    name: Annotated[str, Field(max_length=120)]
    name_en: Annotated[str, Field(max_length=120)] | None = None
    building_name: Annotated[str, Field(max_length=120)] | None = None
    campus: Annotated[str, Field(max_length=80)] | None = None
    retired: bool | None = None


class ImportResult(BaseModel):
    ok: bool | None = Field(description="null: no worker answered yet; the change is applied later")
    added: int | None = None
    updated: int | None = None
    errors: list[RowError] | None = None


@router.post(
    "/admin/places",
    response_model=ImportResult,
    summary="Add, rename or retire one room (admin); waits for the worker",
    responses=error_responses(401, 403, 422, 503),
)
async def put_place(body: PlaceIn, user: AdminDep, redis: RedisDep, settings: SettingsDep) -> dict[str, Any]:
    fields = {key: "" if value is None else str(value) for key, value in body.model_dump().items()}
    fields["retired"] = "" if body.retired is None else ("yes" if body.retired else "no")
    row = check_row(fields, 1)
    if isinstance(row, RowError):
        raise ValidationFailed([("place", "error.bad_place", {"reason": row.reason})])
    return await send_rows([row], user=user, redis=redis, settings=settings)


async def send_rows(rows: list[PlaceRow], *, user: User, redis: Redis, settings: Settings) -> dict[str, Any]:
    """One ``places.import`` command, and the worker's answer if it comes within ``WAIT_SECONDS``."""
    actor = Actor(role=Role(user.role), name=user.display_name, user_id=user.id)
    try:
        return await service.import_rows(
            redis=redis,
            rows=rows,
            actor=actor,
            wait_aof=settings.redis_wait_aof,
            timeout_seconds=WAIT_SECONDS,
        )
    except service.ImportTimedOut:
        return {"ok": None}
    except (RedisError, OSError) as exc:
        raise ServiceUnavailable("error.broker_unavailable") from exc


@router.get(
    "/admin/places.csv",
    response_class=Response,
    summary="The whole registry as the CSV the import takes (admin)",
    responses={200: {"content": {"text/csv": {}}}, **error_responses(401, 403, 503)},
)
async def download_csv(user: AdminDep, session: SessionDep) -> Response:
    content = to_csv(await places_queries.all_places(session))
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="places.csv"'},
    )


@router.get(
    "/admin/places/labels.pdf",
    response_class=Response,
    summary="A4 sheet of QR labels: a building's rooms in use, or the rooms named (admin)",
    responses={200: {"content": {"application/pdf": {}}}, **error_responses(401, 403, 404, 422, 503)},
)
async def labels_pdf(
    request: Request,
    user: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    building: Annotated[str | None, Query(max_length=20, description="A building's code")] = None,
    rooms: Annotated[str | None, Query(max_length=4000, description="Room codes, comma-separated")] = None,
) -> Response:
    places = await _label_places(session, building, rooms)
    # Drawing hundreds of QR codes takes a CPU moment: off the event loop, which serves intake.
    content = await asyncio.to_thread(labels.label_sheet, places, public_url=settings.resolved_public_url)
    name = (building or "rooms").upper()
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="labels-{name}.pdf"'},
    )


async def _label_places(
    session: AsyncSession, building: str | None, rooms: str | None
) -> list[dict[str, object]]:
    if (building is None) == (rooms is None):
        raise ValidationFailed([("building", "error.labels_which", {})])
    if building is not None:
        code = _code("building", building)
        if not await places_queries.building_exists(session, code=code):
            raise NotFound("error.building_not_found", code=code)
        return await places_queries.rooms_of(session, building=code, codes=None)
    codes = [_code("rooms", part) for part in (rooms or "").split(",") if part.strip()]
    if not codes or len(codes) > MAX_LABEL_ROOMS:
        raise ValidationFailed([("rooms", "error.labels_rooms", {"max": MAX_LABEL_ROOMS})])
    found = await places_queries.rooms_of(session, building=None, codes=codes)
    missing = sorted(set(codes) - {str(place["code"]) for place in found})
    if missing:
        raise ValidationFailed([("rooms", "error.unknown_rooms", {"codes": ", ".join(missing)})])
    return found


def _code(field: str, raw: str) -> str:
    try:
        return normalize_code(raw)
    except ValueError as exc:
        raise ValidationFailed([(field, "error.bad_code", {"pattern": CODE_PATTERN})]) from exc

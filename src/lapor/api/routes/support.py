""" "Me too" on a report, and a room's open reports to say it on (the form's "already reported?")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from lapor.domain.accounts import SLUG_PATTERN
from lapor.domain.places import is_code
from lapor.domain.supporters import SupporterId
from lapor.errors import NotFound
from lapor.http.deps import LanguageDep, RedisDep, SessionDep, SettingsDep
from lapor.http.errors import error_responses
from lapor.services import support
from lapor.services.views import ReportSummary
from lapor.store.support_queries import ROOM_REPORTS_LIMIT

router = APIRouter(prefix="/api", tags=["me too"])

SUPPORTER_DESCRIPTION = (
    "The browser's supporter id: base64url (no padding needed) of 16 to 64 random bytes, made once "
    "and kept (localStorage). Only its SHA-256 is stored."
)
Supporter = Annotated[SupporterId, Field(min_length=1, max_length=128, description=SUPPORTER_DESCRIPTION)]


class MeTooIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supporter: Supporter


class MeTooAccepted(BaseModel):
    report_id: str
    command_id: str
    me_too: int = Field(
        description="The count before this one is applied; the `me_too` event brings the new one"
    )


@router.post(
    "/reports/{report_id}/me-too",
    status_code=202,
    response_model=MeTooAccepted,
    summary='"Me too": someone else has the same problem (anonymous; one supporter counts once)',
    responses=error_responses(404, 409, 422, 429, 503),
)
async def me_too(
    report_id: str,
    body: MeTooIn,
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    return await support.me_too(
        session=session,
        redis=redis,
        settings=settings,
        report_id=report_id,
        supporter=body.supporter,
        client_host=request.client.host if request.client else None,
    )


class RoomReports(BaseModel):
    items: list[ReportSummary]


@router.get(
    "/places/{code}/reports",
    response_model=None,
    summary="A room's open public reports (pending, in progress), of one category if given",
    responses={200: {"model": RoomReports}, **error_responses(404, 422, 503)},
)
async def room_reports(
    code: str,
    request: Request,
    session: SessionDep,
    language: LanguageDep,
    category: Annotated[str | None, Query(pattern=SLUG_PATTERN, description="A category's slug")] = None,
    sort: Annotated[
        Literal["newest", "me_too"], Query(description="`me_too`: most supported first")
    ] = "newest",
    limit: Annotated[int, Query(ge=1, le=ROOM_REPORTS_LIMIT)] = 10,
) -> dict[str, Any]:
    room = await request.app.state.rooms.resolve(code) if is_code(code) else None
    if room is None or room.code != code.strip().upper():
        raise NotFound("error.room_not_found")
    items = await support.room_reports(
        session=session, code=room.code, category=category, sort=sort, limit=limit, language=language
    )
    return {"items": items}

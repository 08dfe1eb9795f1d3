"""The admin's places page: find, add, rename, retire rooms; download the CSV; print labels."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from redis.exceptions import RedisError

from lapor.domain.commands import Actor
from lapor.domain.enums import Role
from lapor.http.deps import RedisDep, SessionDep, SettingsDep
from lapor.services import places as service
from lapor.web.render import render
from lapor.web.staff_session import PageStaff, staff_form

router = APIRouter(prefix="/staff", include_in_schema=False)

WAIT_SECONDS = 10.0


@router.get("/places")
async def places_page(
    request: Request,
    user: PageStaff,
    session: SessionDep,
    q: Annotated[str, Query(max_length=60)] = "",
    saved: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    if user is None:
        return RedirectResponse("/staff", status_code=303)
    if user.role != Role.ADMIN.value:
        return render(request, "forbidden.html", status_code=403)
    data = await service.places_page(session=session, q=q)
    return render(
        request,
        "staff_places.html",
        {"user": user, "q": q, "saved": saved, "error": None, "values": {}, **data},
    )


@router.post("/places")
async def save_place(
    request: Request, user: PageStaff, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> Response:
    """Add or change one room (a retire/restore button sends the room's fields with ``retired``)."""
    fields = await staff_form(request, user, settings)
    if fields is None or user is None or user.role != Role.ADMIN.value:
        return render(request, "forbidden.html", status_code=403)
    row = service.row_from_form(fields)
    if isinstance(row, str):
        data = await service.places_page(session=session, q="")
        context = {"user": user, "q": "", "saved": "", "error": row, "values": fields, **data}
        return render(request, "staff_places.html", context, status_code=422)
    actor = Actor(role=Role.ADMIN, name=user.display_name, user_id=user.id)
    try:
        result = await service.import_rows(
            redis=redis,
            rows=[row],
            actor=actor,
            wait_aof=settings.redis_wait_aof,
            timeout_seconds=WAIT_SECONDS,
        )
        saved = "yes" if result.get("ok") else "no"
    except service.ImportTimedOut:
        saved = "later"
    except (RedisError, OSError):
        saved = "no"
    return RedirectResponse(f"/staff/places?q={row.code}&saved={saved}", status_code=303)

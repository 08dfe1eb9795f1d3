"""The room page a QR code on a door opens: ``/q/{code}``."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lapor.http.deps import LanguageDep, RedisDep, SessionDep
from lapor.i18n import translate
from lapor.services import places as service
from lapor.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/q/{code}")
async def room_page(
    code: str, request: Request, session: SessionDep, redis: RedisDep, language: LanguageDep
) -> Response:
    """The room's name, its open reports (live), and the form with the room filled in."""
    place = await request.app.state.rooms.place(code) if len(code) <= 40 else None
    if place is None or place["retired"]:
        return render(request, "room_not_found.html", {"code": code[:40]}, status_code=404)
    data = await service.room_page(session=session, redis=redis, code=place["code"])
    names = {
        c["slug"]: c["name_en"] if language == "en" else c["name_id"]
        for c in await request.app.state.categories.items()
    }
    now = datetime.now(UTC)
    reports = []
    for report in data["reports"]:
        key, n = service.ago(report["created_at"], now)
        reports.append(
            {
                **report,
                "category_name": names.get(report["category"], report["category"]),
                "ago": translate(key, language, n=n),
            }
        )
    location = f"{place['code']} · {place['name']}, {place['building_name']}"
    return render(
        request,
        "room.html",
        {
            "place": place,
            "reports": reports,
            "last_event_id": data["last_event_id"],
            "form_query": {"room": place["code"], "location": location[:200]},
            "categories": names,
        },
    )

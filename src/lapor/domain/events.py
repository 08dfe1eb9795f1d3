"""Events: what the worker tells the world after a command is committed, and who may hear it.

Every event carries its audience (``visibility``). The one projection, ``for_audience``, decides
what a listener gets; the SSE hub, its replay from Redis and the push notifier all call it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from lapor.domain.enums import PhotoStatus, Priority, Role, Status
from lapor.domain.places import RoomRef

# ``photo`` (visibility: reporter) says a report's photo_status changed: ready or unusable.
# ``me_too`` carries a report's new count of people who have the same problem; ``merged`` goes out
# on both reports of a merge; ``hidden``/``shown`` let open public pages drop or show a report.
EventType = Literal[
    "status", "refused", "comment", "priority", "assignment", "photo", "me_too", "merged", "hidden", "shown"
]

Visibility = Literal["public", "reporter", "staff"]
"""Who may see an event; also the three views of a report (an audience)."""

# The audience of each event type, in one place. ``refused`` is not here: it goes to the
# audience of whoever made the refused request (``visibility_of``). A type missing from the
# table is staff-only: a new kind of event is never public by accident.
VISIBILITY: dict[str, Visibility] = {
    "status": "public",
    "priority": "public",
    "comment": "reporter",
    "photo": "reporter",
    "assignment": "staff",
    "me_too": "public",
    "merged": "public",
    "hidden": "public",
    "shown": "public",
}

# Which visibilities each audience receives.
_SEES: dict[Visibility, frozenset[Visibility]] = {
    "public": frozenset({"public"}),
    "reporter": frozenset({"public", "reporter"}),
    "staff": frozenset({"public", "reporter", "staff"}),
}

# What a public listener never gets from a public event (a status note or the staff member's
# name reach the reporter and staff only).
_PRIVATE_FIELDS = ("note", "by")


def visibility_of(event_type: str, actor_role: Role | str | None = None) -> Visibility:
    """The audience of an event of ``event_type`` caused by someone acting as ``actor_role``."""
    if event_type == "refused":
        return "reporter" if actor_role == Role.REPORTER else "staff"
    return VISIBILITY.get(event_type, "staff")


def can_see(audience: Visibility, visibility: Visibility) -> bool:
    return visibility in _SEES[audience]


class ReportView(BaseModel):
    """The public view of a report, as the first ``status`` event carries it (a room page can
    show a new report without asking for it)."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    category: str
    location: str
    status: Status
    priority: Priority
    created_at: datetime
    updated_at: datetime
    photo_status: PhotoStatus | None = None
    room: RoomRef | None = None
    me_too: int = 0


class ReportEvent(BaseModel):
    """One change of one report. ``event_id`` is stable across redeliveries (command id + index)."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    type: EventType
    report_id: str
    at: datetime
    status: Status
    visibility: Visibility
    previous_status: Status | None = None
    priority: Priority | None = None
    note: str | None = None
    by: str | None = None
    photo_status: PhotoStatus | None = None  # set on ``photo`` events
    me_too: int | None = None  # set on ``me_too`` and ``merged`` events: the kept report's count
    duplicate_of: str | None = None  # set on ``merged`` events: the report that is kept
    report: ReportView | None = None
    room: str | None = None  # the report's room code: a room page's stream picks its events by it
    # The report was off every public view when this happened (hidden by staff, or of a
    # ``never_public`` category): public listeners do not get it, but for the ``hidden`` event
    # itself, which tells an open page to drop the report.
    unlisted: bool = False

    @model_validator(mode="before")
    @classmethod
    def _default_visibility(cls, data: Any) -> Any:
        # Events written before ``visibility`` existed are still in the stream: derive it from
        # the type (a refusal of unknown origin stays with staff).
        if isinstance(data, dict) and data.get("visibility") is None and "type" in data:
            return {**data, "visibility": visibility_of(str(data["type"]))}
        return data


def for_audience(event: ReportEvent, audience: Visibility) -> ReportEvent | None:
    """What ``audience`` gets of ``event``: None if not meant for it; its public projection for
    a public listener; the whole event otherwise."""
    if not can_see(audience, event.visibility):
        return None
    if audience == "public" and event.unlisted and event.type != "hidden":
        return None
    if audience == "public":
        return event.model_copy(update=dict.fromkeys(_PRIVATE_FIELDS))
    return event

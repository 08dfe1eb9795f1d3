"""How reports look from outside: the public, reporter and staff views, the queued placeholder."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from lapor.domain.commands import CreateReport
from lapor.domain.enums import PhotoStatus, Priority, Role, Status, TimelineKind
from lapor.domain.events import Visibility, can_see, visibility_of
from lapor.domain.places import RoomRef
from lapor.i18n import MESSAGES, translate
from lapor.media import store
from lapor.store.models import Report, TimelineEntry

# The shapes below document the answers in the OpenAPI schema (``responses=``); the routes build
# plain dicts, so these models never filter or reshape what is sent.


class ReportLinks(BaseModel):
    self: str
    events: str


class TimelineItem(BaseModel):
    at: datetime
    kind: TimelineKind | Literal["queued"]
    status: Status | None
    from_status: Status | None
    note: str | None
    by: str | None = Field(
        description="The staff member's display name, `Lapor` for the system, null for the reporter"
    )


_REPORTER = "The reporter (with the tracking token) and staff only"


class ReportSummary(BaseModel):
    """A report; which fields are present depends on who asks (docs/api.md, "Who sees what")."""

    id: str
    title: str
    category: str
    location: str
    priority: Priority
    status: Status
    created_at: datetime
    updated_at: datetime
    photo_status: PhotoStatus = Field(
        description="`none` (no photo sent), `pending` (stored, being rendered), `ready` or `unusable`"
    )
    room: RoomRef | None = Field(default=None, description="The room the report names; null: location only")
    me_too: int = Field(
        default=0,
        description="Distinct people with the same problem: supporters, reporters of merged duplicates",
    )
    duplicate_of: str | None = Field(
        default=None, description="Status `duplicate` only: the report this one was merged into, and follows"
    )
    links: ReportLinks
    photo_pending: bool | None = Field(default=None, description="Queued view only: a photo was sent")
    description: str | None = Field(default=None, description=_REPORTER)
    photo_url: str | None = Field(default=None, description=_REPORTER)
    thumbnail_url: str | None = Field(default=None, description=_REPORTER)
    assignee: str | None = Field(default=None, description="Staff only: the assignee's display name")
    reporter_name: str | None = Field(default=None, description="Staff only")
    reporter_contact: str | None = Field(default=None, description="Staff only")
    language: str | None = Field(default=None, description="Staff only: the reporter's language")
    hidden: bool | None = Field(default=None, description="Staff only: taken off every public view")


class ReportDetail(ReportSummary):
    timeline: list[TimelineItem] | None = Field(default=None, description=_REPORTER)


class ReportPage(BaseModel):
    items: list[ReportSummary]
    next_cursor: str | None


def iso_utc(at: datetime) -> str:
    """The one form every time takes in a JSON answer or an event: RFC 3339 in UTC with ``Z``.

    A naive value is taken as UTC (SQLite hands some back that way)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def as_time(value: datetime | str) -> datetime:
    """A stored time (aware) or a queued view's ISO string, as an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def report_links(report_id: str) -> dict[str, str]:
    return {"self": f"/api/reports/{report_id}", "events": f"/api/reports/{report_id}/events"}


def photo_urls(photo: str | None) -> tuple[str | None, str | None]:
    if not photo:
        return None, None
    return (
        f"/media/photos/{store.display_path_name(photo)}",
        f"/media/photos/{store.thumbnail_path_name(photo)}",
    )


# The three views of a report (BRIEF.md, "Who may see what"), field by field. docs/api.md lists
# the same. Staff see every field of the full view except the token's hash.
PUBLIC_FIELDS = frozenset(
    {
        "id",
        "title",
        "category",
        "location",
        "status",
        "priority",
        "created_at",
        "updated_at",
        "links",
        "photo_status",
        "photo_pending",  # the queued view's older flag: a photo was sent and is not rendered yet
        "room",
        "me_too",
        "duplicate_of",
    }
)
REPORTER_FIELDS = PUBLIC_FIELDS | {"description", "photo_url", "thumbnail_url", "timeline"}
_NEVER_SHOWN = frozenset({"tracking_token_hash"})  # kept in the queued view to check a token


def project_view(view: dict[str, Any], audience: Visibility) -> dict[str, Any]:
    """What ``audience`` may see of a report's full view; the timeline keeps only its entries."""
    if audience == "staff":
        shown = {key: value for key, value in view.items() if key not in _NEVER_SHOWN}
    else:
        allowed = PUBLIC_FIELDS if audience == "public" else REPORTER_FIELDS
        shown = {key: value for key, value in view.items() if key in allowed}
    if "timeline" in shown:
        shown["timeline"] = [
            {key: value for key, value in entry.items() if key != "visibility"}
            for entry in shown["timeline"]
            if can_see(audience, entry.get("visibility", "staff"))
        ]
    return shown


def full_view(
    report: Report,
    *,
    assignee: str | None,
    timeline: list[TimelineEntry] | None,
    language: str,
    room: RoomRef | None = None,
) -> dict[str, Any]:
    """Everything about a report (the staff view); ``project_view`` cuts it for other audiences."""
    photo_url, thumbnail_url = photo_urls(report.photo)
    view: dict[str, Any] = {
        "id": report.id,
        "title": report.title,
        "description": report.description,
        "category": report.category,
        "location": report.location,
        "room": room_view(room),
        "priority": report.priority,
        "status": report.status,
        "created_at": iso_utc(report.created_at),
        "updated_at": iso_utc(report.updated_at),
        "photo_url": photo_url,
        "thumbnail_url": thumbnail_url,
        "photo_status": report.photo_status,
        "assignee": assignee,
        "links": report_links(report.id),
        "reporter_name": report.reporter_name,
        "reporter_contact": report.reporter_contact,
        "language": report.language,
        "me_too": report.me_too,
        "duplicate_of": report.duplicate_of,
        "hidden": report.hidden,
    }
    if timeline is not None:
        view["timeline"] = [timeline_entry(entry, language) for entry in timeline]
    return view


def public_report(
    report: Report,
    *,
    assignee: str | None,
    timeline: list[TimelineEntry] | None,
    language: str,
    staff: bool = False,
    audience: Visibility | None = None,
    room: RoomRef | None = None,
) -> dict[str, Any]:
    """The view of a report for ``audience`` (default: staff if ``staff``, else the public)."""
    view = full_view(report, assignee=assignee, timeline=timeline, language=language, room=room)
    return project_view(view, audience or ("staff" if staff else "public"))


def timeline_entry(entry: TimelineEntry, language: str) -> dict[str, Any]:
    """One entry of the full timeline, with its ``visibility`` (``project_view`` drops it)."""
    note = entry.note
    if note is not None and note in MESSAGES:
        note = translate(note, language)  # notes the worker wrote as catalogue keys
    kind = entry.kind
    return {
        "at": iso_utc(entry.at),
        "kind": kind,
        "status": entry.to_status,
        "from_status": entry.from_status,
        "note": note,
        "by": None if entry.actor_role == Role.REPORTER.value else entry.actor_name,
        # The entry is seen by whoever hears of its event: "created" is the first status event.
        "visibility": visibility_of("status" if kind == TimelineKind.CREATED else kind, entry.actor_role),
    }


def room_view(room: RoomRef | None) -> dict[str, Any] | None:
    """``room`` in a report's JSON: its code, name, building and floor (null: a free-text place)."""
    return room.model_dump() if room is not None else None


def queued_report(command: CreateReport, *, has_photo: bool, room: RoomRef | None = None) -> dict[str, Any]:
    """What GET answers between the 202 and the worker's commit: status ``queued``, never 404.

    Stored whole in Redis (with the token's hash, to tell the reporter); ``project_view`` cuts it
    for each reader like a stored report's view."""
    at = iso_utc(command.issued_at)
    return {
        "id": command.report_id,
        "title": command.title,
        "description": command.description,
        "category": command.category,
        "location": command.location,
        "room": room_view(room),
        "priority": command.priority.value,
        "status": Status.QUEUED.value,
        "created_at": at,
        "updated_at": at,
        "photo_url": None,
        "thumbnail_url": None,
        "photo_pending": has_photo,
        "photo_status": (PhotoStatus.PENDING if has_photo else PhotoStatus.NONE).value,
        "me_too": 0,
        "duplicate_of": None,
        "assignee": None,
        "links": report_links(command.report_id),
        "tracking_token_hash": command.tracking_token_hash,
        "timeline": [
            {
                "at": at,
                "kind": "queued",
                "status": "queued",
                "from_status": None,
                "note": None,
                "by": None,
                "visibility": "public",
            }
        ],
    }

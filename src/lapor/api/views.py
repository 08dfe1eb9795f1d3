"""How reports look from outside: the public view, the staff view, the queued placeholder."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from lapor.domain.commands import CreateReport
from lapor.domain.enums import PhotoStatus, Priority, Role, Status, TimelineKind
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


class ReportSummary(BaseModel):
    id: str
    title: str
    description: str
    category: str
    location: str
    priority: Priority
    status: Status
    created_at: datetime
    updated_at: datetime
    photo_url: str | None
    thumbnail_url: str | None
    photo_status: PhotoStatus = Field(
        description="`none` (no photo sent), `pending` (stored, being rendered), `ready` or `unusable`"
    )
    assignee: str | None = Field(description="The assignee's display name")
    links: ReportLinks
    reporter_name: str | None = Field(default=None, description="Staff only")
    reporter_contact: str | None = Field(default=None, description="Staff only")
    language: str | None = Field(default=None, description="Staff only: the reporter's language")


class ReportDetail(ReportSummary):
    timeline: list[TimelineItem]
    photo_pending: bool | None = Field(default=None, description="Queued view only: a photo was sent")


class ReportPage(BaseModel):
    items: list[ReportSummary]
    next_cursor: str | None


def iso_utc(at: datetime) -> str:
    """The same ISO 8601 form the JSON answers use for stored times (``…Z``)."""
    return at.isoformat().replace("+00:00", "Z")


def report_links(report_id: str) -> dict[str, str]:
    return {"self": f"/api/reports/{report_id}", "events": f"/api/reports/{report_id}/events"}


def photo_urls(photo: str | None) -> tuple[str | None, str | None]:
    if not photo:
        return None, None
    return (
        f"/media/photos/{store.display_path_name(photo)}",
        f"/media/photos/{store.thumbnail_path_name(photo)}",
    )


def public_report(
    report: Report,
    *,
    assignee: str | None,
    timeline: list[TimelineEntry] | None,
    language: str,
    staff: bool = False,
) -> dict[str, Any]:
    """The view anyone with the id may see; ``staff`` adds the reporter's name and contact."""
    photo_url, thumbnail_url = photo_urls(report.photo)
    view: dict[str, Any] = {
        "id": report.id,
        "title": report.title,
        "description": report.description,
        "category": report.category,
        "location": report.location,
        "priority": report.priority,
        "status": report.status,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "photo_url": photo_url,
        "thumbnail_url": thumbnail_url,
        "photo_status": report.photo_status,
        "assignee": assignee,
        "links": report_links(report.id),
    }
    if timeline is not None:
        view["timeline"] = [timeline_entry(entry, language) for entry in timeline]
    if staff:
        view["reporter_name"] = report.reporter_name
        view["reporter_contact"] = report.reporter_contact
        view["language"] = report.language
    return view


def timeline_entry(entry: TimelineEntry, language: str) -> dict[str, Any]:
    note = entry.note
    if note is not None and note in MESSAGES:
        note = translate(note, language)  # notes the worker wrote as catalogue keys
    return {
        "at": entry.at,
        "kind": entry.kind,
        "status": entry.to_status,
        "from_status": entry.from_status,
        "note": note,
        "by": None if entry.actor_role == Role.REPORTER.value else entry.actor_name,
    }


def queued_report(command: CreateReport, *, has_photo: bool) -> dict[str, Any]:
    """What GET answers between the 202 and the worker's commit: status ``queued``, never 404."""
    at = iso_utc(command.issued_at)
    return {
        "id": command.report_id,
        "title": command.title,
        "description": command.description,
        "category": command.category,
        "location": command.location,
        "priority": command.priority.value,
        "status": Status.QUEUED.value,
        "created_at": at,
        "updated_at": at,
        "photo_url": None,
        "thumbnail_url": None,
        "photo_pending": has_photo,
        "photo_status": (PhotoStatus.PENDING if has_photo else PhotoStatus.NONE).value,
        "assignee": None,
        "links": report_links(command.report_id),
        "timeline": [
            {
                "at": at,
                "kind": "queued",
                "status": "queued",
                "from_status": None,
                "note": None,
                "by": None,
            }
        ],
    }

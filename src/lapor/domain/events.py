"""Events: what the worker tells the world after a command is committed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from lapor.domain.enums import PhotoStatus, Priority, Status

# ``photo`` (visibility: reporter) says a report's photo_status changed: ready or unusable.
EventType = Literal["status", "refused", "comment", "priority", "assignment", "photo"]


class ReportEvent(BaseModel):
    """One change of one report. ``event_id`` is stable across redeliveries (command id + index)."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    type: EventType
    report_id: str
    at: datetime
    status: Status
    previous_status: Status | None = None
    priority: Priority | None = None
    note: str | None = None
    by: str | None = None
    photo_status: PhotoStatus | None = None  # set on ``photo`` events

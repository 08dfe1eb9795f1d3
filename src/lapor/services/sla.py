"""The SLA rule (lapor.domain.sla) with this deployment's targets, on a report as the pages show it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lapor.config import Settings
from lapor.domain import sla
from lapor.services.views import as_time


def targets_of(settings: Settings) -> sla.SlaTargets:
    return sla.SlaTargets(
        emergency_hours=settings.sla_emergency_hours,
        medium_hours=settings.sla_medium_hours,
        normal_hours=settings.sla_normal_hours,
    )


def is_overdue(view: dict[str, Any], settings: Settings, now: datetime) -> bool:
    """``view``: a report view (stored or queued), with its status, priority and creation time."""
    return sla.is_overdue(
        view["status"], as_time(view["created_at"]), view["priority"], targets_of(settings), now
    )

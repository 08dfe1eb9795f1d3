"""The service-level rule: how long a report may stay open before it is overdue, by priority.

Pure: no clock, no settings, no I/O. The caller passes the targets (from LAPOR_SLA_*_HOURS) and now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lapor.domain.enums import OPEN_STATUSES, Priority, Status


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """Hours a report of each priority may stay open."""

    emergency_hours: float
    medium_hours: float
    normal_hours: float

    def hours(self, priority: Priority | str) -> float:
        # An unknown priority gets the most lenient target: it never makes a report look late.
        return {
            Priority.EMERGENCY.value: self.emergency_hours,
            Priority.MEDIUM.value: self.medium_hours,
        }.get(str(priority), self.normal_hours)


def due_at(created_at: datetime, priority: Priority | str, targets: SlaTargets) -> datetime:
    """When a report made at ``created_at`` should be done with."""
    return created_at + timedelta(hours=targets.hours(priority))


def is_overdue(
    status: Status | str, created_at: datetime, priority: Priority | str, targets: SlaTargets, now: datetime
) -> bool:
    """Open (pending or in progress) and past its due time; a closed report is never overdue."""
    if Status(status) not in OPEN_STATUSES:
        return False
    return due_at(created_at, priority, targets) < now

"""The SLA rule on its own: due times and overdue reports, without a clock, settings or a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lapor.domain.enums import Priority, Status
from lapor.domain.sla import SlaTargets, due_at, is_overdue

TARGETS = SlaTargets(emergency_hours=4, medium_hours=24, normal_hours=72)
MADE = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("priority", "hours"),
    [(Priority.EMERGENCY, 4), (Priority.MEDIUM, 24), (Priority.NORMAL, 72), ("unknown", 72)],
)
def test_due_at_follows_the_priority(priority: Priority | str, hours: float) -> None:
    assert due_at(MADE, priority, TARGETS) == MADE + timedelta(hours=hours)


@pytest.mark.parametrize("status", [Status.PENDING, Status.IN_PROGRESS])
def test_an_open_report_past_its_target_is_overdue(status: Status) -> None:
    just_after = MADE + timedelta(hours=4, seconds=1)
    assert is_overdue(status, MADE, Priority.EMERGENCY, TARGETS, just_after)
    assert not is_overdue(status, MADE, Priority.EMERGENCY, TARGETS, MADE + timedelta(hours=4))
    assert not is_overdue(status, MADE, Priority.NORMAL, TARGETS, just_after)


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.REJECTED, Status.QUEUED])
def test_a_closed_or_queued_report_is_never_overdue(status: Status) -> None:
    assert not is_overdue(status, MADE, Priority.EMERGENCY, TARGETS, MADE + timedelta(days=30))


def test_statuses_and_priorities_may_come_as_the_strings_a_view_holds() -> None:
    later = MADE + timedelta(hours=25)
    assert is_overdue("pending", MADE, "medium", TARGETS, later)

"""The state machine on its own: who may move a report where."""

from __future__ import annotations

import pytest

from lapor.domain.enums import Role, Status
from lapor.domain.transitions import check_transition, next_statuses

S, R = Status, Role


@pytest.mark.parametrize(
    ("current", "target", "role"),
    [
        (S.PENDING, S.IN_PROGRESS, R.TECHNICIAN),
        (S.IN_PROGRESS, S.RESOLVED, R.ADMIN),
        (S.IN_PROGRESS, S.PENDING, R.TECHNICIAN),
        (S.RESOLVED, S.PENDING, R.REPORTER),
    ],
)
def test_allowed_moves(current: Status, target: Status, role: Role) -> None:
    assert check_transition(current, target, role, None).allowed


@pytest.mark.parametrize(
    ("current", "target", "role", "reason"),
    [
        (S.PENDING, S.RESOLVED, R.TECHNICIAN, "transition.not_allowed"),
        (S.RESOLVED, S.IN_PROGRESS, R.ADMIN, "transition.not_allowed"),
        (S.REJECTED, S.PENDING, R.ADMIN, "transition.not_allowed"),
        (S.PENDING, S.IN_PROGRESS, R.REPORTER, "transition.forbidden_role"),
        (S.IN_PROGRESS, S.IN_PROGRESS, R.ADMIN, "transition.same_status"),
        (S.PENDING, S.REJECTED, R.TECHNICIAN, "transition.note_required"),
        # An unusable photo no longer rejects a report: the system moves nothing.
        (S.PENDING, S.REJECTED, R.SYSTEM, "transition.forbidden_role"),
    ],
)
def test_refused_moves_say_why(current: Status, target: Status, role: Role, reason: str) -> None:
    verdict = check_transition(current, target, role, None)
    assert not verdict.allowed and verdict.reason == reason


def test_rejecting_needs_a_real_note() -> None:
    assert not check_transition(S.PENDING, S.REJECTED, R.ADMIN, "   ").allowed
    assert check_transition(S.PENDING, S.REJECTED, R.ADMIN, "Duplikat").allowed


def test_next_statuses_for_buttons() -> None:
    assert set(next_statuses(S.PENDING, R.TECHNICIAN)) == {S.IN_PROGRESS, S.REJECTED}
    assert next_statuses(S.RESOLVED, R.REPORTER) == [S.PENDING]
    assert next_statuses(S.QUEUED, R.ADMIN) == []

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


def test_the_merge_rule() -> None:
    from lapor.domain.merging import MergeSide, merge_refusal

    def side(id_: str, status: Status, duplicate_of: str | None = None) -> MergeSide:
        return MergeSide(id=id_, status=status, duplicate_of=duplicate_of)

    a, b = side("a", Status.PENDING), side("b", Status.IN_PROGRESS)
    assert merge_refusal(a, b) is None
    assert merge_refusal(a, side("b", Status.RESOLVED)) is None  # its followers learn it is fixed
    assert merge_refusal(side("a", Status.RESOLVED), b) is None
    assert merge_refusal(a, a) == "merge.into_itself"
    assert merge_refusal(a, side("b", Status.DUPLICATE, "a")) == "merge.loop"
    assert merge_refusal(a, side("b", Status.DUPLICATE, "c")) == "merge.into_duplicate"
    assert merge_refusal(a, side("b", Status.REJECTED)) == "merge.into_rejected"
    assert merge_refusal(side("a", Status.DUPLICATE, "c"), b) == "merge.source_closed"
    assert merge_refusal(side("a", Status.REJECTED), b) == "merge.source_closed"
    assert merge_refusal(a, side("b", Status.QUEUED)) == "merge.not_stored"
    # Nothing moves a report to or from ``duplicate`` but a merge.
    for role in (Role.ADMIN, Role.TECHNICIAN, Role.REPORTER):
        assert next_statuses(Status.DUPLICATE, role) == []
        assert not check_transition(Status.PENDING, Status.DUPLICATE, role, "x").allowed

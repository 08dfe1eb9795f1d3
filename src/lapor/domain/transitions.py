"""The report state machine: which status may follow which, and who may make the move."""

from __future__ import annotations

from dataclasses import dataclass

from lapor.domain.enums import Role, Status

_STAFF = frozenset({Role.ADMIN, Role.TECHNICIAN})

# (from, to) -> roles allowed to make that move
_ALLOWED: dict[tuple[Status, Status], frozenset[Role]] = {
    (Status.PENDING, Status.IN_PROGRESS): _STAFF,
    (Status.IN_PROGRESS, Status.RESOLVED): _STAFF,
    (Status.IN_PROGRESS, Status.PENDING): _STAFF,  # handed back to the queue
    (Status.PENDING, Status.REJECTED): _STAFF,
    (Status.IN_PROGRESS, Status.REJECTED): _STAFF,
    (Status.RESOLVED, Status.PENDING): _STAFF | {Role.REPORTER},  # reopen: "not fixed"
}

NOTE_REQUIRED = frozenset({Status.REJECTED})


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str = ""  # a message-catalogue key when refused


def check_transition(current: Status, target: Status, role: Role, note: str | None) -> Verdict:
    """Whether ``role`` may move a report from ``current`` to ``target``."""
    if current == target:
        return Verdict(False, "transition.same_status")
    roles = _ALLOWED.get((current, target))
    if roles is None:
        return Verdict(False, "transition.not_allowed")
    if role not in roles:
        return Verdict(False, "transition.forbidden_role")
    if target in NOTE_REQUIRED and not (note and note.strip()):
        return Verdict(False, "transition.note_required")
    return Verdict(True)


def next_statuses(current: Status, role: Role) -> list[Status]:
    """The statuses ``role`` may move a report to from ``current`` (for buttons and docs)."""
    return [to for (frm, to), roles in _ALLOWED.items() if frm == current and role in roles]

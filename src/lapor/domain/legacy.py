"""The original project's vocabulary and how it maps onto ours (pure, no I/O).

The original's worker marked every report ``DIPROSES_TEKNISI`` the moment it stored it, so
both ``pending`` (stored, waiting) and ``in_progress`` read as ``DIPROSES_TEKNISI``; ``queued``
(accepted, not stored yet) is its ``PENDING``. A duplicate reads as the report it was merged into.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lapor.domain.enums import Priority, Status

SeedStatus = Literal["PENDING", "DIPROSES_TEKNISI", "SELESAI", "DITOLAK"]
SeedPriority = Literal["Darurat", "Sedang", "Biasa"]

SEED_PRIORITY: dict[str, Priority] = {
    "Darurat": Priority.EMERGENCY,
    "Sedang": Priority.MEDIUM,
    "Biasa": Priority.NORMAL,
}
PRIORITY_SEED: dict[Priority, SeedPriority] = {
    Priority.EMERGENCY: "Darurat",
    Priority.MEDIUM: "Sedang",
    Priority.NORMAL: "Biasa",
}
_STATUS_SEED: dict[Status, SeedStatus] = {
    Status.QUEUED: "PENDING",
    Status.PENDING: "DIPROSES_TEKNISI",
    Status.IN_PROGRESS: "DIPROSES_TEKNISI",
    Status.RESOLVED: "SELESAI",
    Status.REJECTED: "DITOLAK",
}
# What a record of the original's JSON file becomes when imported (``lapor import-seed``).
IMPORTED_STATUS: dict[str, Status] = {
    "PENDING": Status.PENDING,
    "DIPROSES_TEKNISI": Status.PENDING,  # stored by its worker, nobody had started on it
    "SELESAI": Status.RESOLVED,
    "DITOLAK": Status.REJECTED,
}


def seed_status(status: Status, *, kept_status: Status | None = None) -> SeedStatus:
    """A status as the original's pages read it; a duplicate shows ``kept_status``, its kept
    report's (``PENDING`` while that is unknown)."""
    if status == Status.DUPLICATE:
        if kept_status is None or kept_status == Status.DUPLICATE:
            return "PENDING"
        return _STATUS_SEED[kept_status]
    return _STATUS_SEED[status]


@dataclass(frozen=True, slots=True)
class SeedChange:
    """What a ``PUT /api/lapor/{id}`` does: nothing, a refusal (a catalogue key), or moves."""

    nothing: bool = False
    refusal: str | None = None
    status: Status | None = None
    via: Status | None = None


_WANTED: dict[str, tuple[Status, Status | None]] = {
    # wanted → (target, the status passed through on the way when not in it already)
    "SELESAI": (Status.RESOLVED, Status.IN_PROGRESS),
    "DIPROSES_TEKNISI": (Status.IN_PROGRESS, None),
    "PENDING": (Status.PENDING, None),
}


def plan_seed_change(current: Status | None, wanted: str) -> SeedChange:
    """The change the original's admin page asks for, given the report's status (None: not
    known yet, still queued or the database unreachable: the worker decides).

    "Selesai" on a pending report starts and resolves it in one command; on a resolved one it
    changes nothing; a rejected or duplicate report is closed for good and refuses it."""
    target, via = _WANTED[wanted]
    if current == Status.REJECTED:
        return SeedChange(refusal="legacy.rejected")
    if current == Status.DUPLICATE:
        return SeedChange(refusal="legacy.duplicate")
    if current == target:
        return SeedChange(nothing=True)
    if target == Status.IN_PROGRESS and current == Status.RESOLVED:
        via = Status.PENDING  # reopened, then taken up again
    return SeedChange(status=target, via=via)

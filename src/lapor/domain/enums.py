"""The small vocabularies of the domain."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"  # accepted into the broker, not yet persisted by a worker
    PENDING = "pending"  # Menunggu
    IN_PROGRESS = "in_progress"  # Diproses
    RESOLVED = "resolved"  # Selesai
    REJECTED = "rejected"  # Ditolak


OPEN_STATUSES = frozenset({Status.PENDING, Status.IN_PROGRESS})


class Priority(StrEnum):
    EMERGENCY = "emergency"  # Darurat 🔴
    MEDIUM = "medium"  # Sedang 🟡
    NORMAL = "normal"  # Biasa 🟢

    @property
    def rank(self) -> int:
        """Sort key: emergencies first."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.EMERGENCY: 0, Priority.MEDIUM: 1, Priority.NORMAL: 2}


class Role(StrEnum):
    ADMIN = "admin"
    TECHNICIAN = "technician"
    REPORTER = "reporter"  # the anonymous student, proven by the tracking token
    SYSTEM = "system"  # the worker itself, e.g. rejecting a report whose photo is unusable


class TimelineKind(StrEnum):
    CREATED = "created"
    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNMENT = "assignment"
    COMMENT = "comment"
    REFUSED = "refused"  # a change the state machine did not allow: recorded, never applied

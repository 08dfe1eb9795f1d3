"""The small vocabularies of the domain."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"  # accepted into the broker, not yet persisted by a worker
    PENDING = "pending"  # Menunggu
    IN_PROGRESS = "in_progress"  # Diproses
    RESOLVED = "resolved"  # Selesai
    REJECTED = "rejected"  # Ditolak
    DUPLICATE = "duplicate"  # Duplikat: merged into another report (``duplicate_of``), which it follows


OPEN_STATUSES = frozenset({Status.PENDING, Status.IN_PROGRESS})
# Nothing more happens to these but a reopen of a resolved one; no "me too" is taken on them.
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.REJECTED, Status.DUPLICATE})


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
    VIEWER = "viewer"  # reads everything staff read, changes nothing (deans, auditors)
    REPORTER = "reporter"  # the anonymous student, proven by the tracking token
    SYSTEM = "system"  # the worker itself, e.g. noting in the timeline that a photo is unusable


STAFF_ROLES = (Role.ADMIN, Role.TECHNICIAN, Role.VIEWER)  # the roles a staff account can have
WRITER_ROLES = frozenset({Role.ADMIN, Role.TECHNICIAN})  # the staff who may change reports


class TimelineKind(StrEnum):
    CREATED = "created"
    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNMENT = "assignment"
    COMMENT = "comment"
    REFUSED = "refused"  # a change the state machine did not allow: recorded, never applied
    PHOTO = "photo"  # the photo could not be used (its note says why); the report stays as it was
    MERGED = "merged"  # this report was merged into another, or another into it (the note says which)
    HIDDEN = "hidden"  # staff took the report off every public view
    SHOWN = "shown"  # staff showed a hidden report again


class PhotoStatus(StrEnum):
    """Where a report's photo is: rendered after the report is stored, off the command path."""

    NONE = "none"  # sent without a photo
    PENDING = "pending"  # stored; the photo stage has not rendered it yet
    READY = "ready"  # rendered: photo_url and thumbnail_url point at it
    UNUSABLE = "unusable"  # could not be decoded; the report is kept, the timeline says why

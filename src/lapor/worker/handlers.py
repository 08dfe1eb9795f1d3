"""Applying one command inside one database transaction, returning the events it produced."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from lapor.domain.commands import Actor, AddComment, CreateReport, UpdateReport, utcnow
from lapor.domain.enums import PhotoStatus, Priority, Role, Status, TimelineKind
from lapor.domain.events import EventType, ReportEvent, ReportView, visibility_of
from lapor.domain.places import RoomRef
from lapor.domain.transitions import check_transition
from lapor.media import store
from lapor.store.models import Building, Report, Room, StatusCount, TimelineEntry, User, table_of

SYSTEM_ACTOR = Actor(role=Role.SYSTEM, name="Lapor")

# Built once: statements with bound parameters compile once and are reused from the cache, and
# run on the Core connection they skip the ORM's per-object bookkeeping (most of a command's CPU).
_INSERT_REPORT = insert(table_of(Report))
_INSERT_TIMELINE = insert(table_of(TimelineEntry))
_COUNT_STATUS = (
    update(table_of(StatusCount))
    .where(table_of(StatusCount).c.status == bindparam("counted_status"))
    .values(count=table_of(StatusCount).c.count + bindparam("delta"))
)


class ReportNotPersistedYet(LookupError):
    """An update reached a worker before the report's own create command was applied."""


class _Recorder:
    """Collects the timeline entries and events of one command, in order; ``write`` stores the
    entries in one statement."""

    def __init__(self, session: Session, command_id: str, report: Report, at: datetime) -> None:
        self.session = session
        self.command_id = command_id
        self.report = report
        self.at = at
        self.events: list[ReportEvent] = []
        self.entries: list[dict[str, object]] = []

    def write(self) -> list[ReportEvent]:
        if self.entries:
            self.session.connection().execute(_INSERT_TIMELINE, self.entries)
        return self.events

    def add(
        self,
        kind: TimelineKind,
        actor: Actor,
        *,
        event: EventType | None,
        from_status: Status | None = None,
        to_status: Status | None = None,
        note: str | None = None,
        view: ReportView | None = None,
    ) -> None:
        self.entries.append(
            {
                "report_id": self.report.id,
                "command_id": self.command_id,
                "kind": kind.value,
                "at": self.at,
                "from_status": from_status,
                "to_status": to_status,
                "note": note,
                "actor_name": actor.name,
                "actor_role": actor.role.value,
            }
        )
        if event is not None:
            self.events.append(
                ReportEvent(
                    event_id=f"{self.command_id}:{len(self.events)}",
                    type=event,
                    report_id=self.report.id,
                    at=self.at,
                    status=Status(self.report.status),
                    visibility=visibility_of(event, actor.role),
                    previous_status=from_status,
                    priority=Priority(self.report.priority),
                    note=note,
                    by=public_actor_name(actor),
                    report=view,
                    photo_status=PhotoStatus(self.report.photo_status) if event == "photo" else None,
                    room=self.report.room_code,
                )
            )


def public_actor_name(actor: Actor) -> str | None:
    """Who made a change, as the public may see it: staff by display name, the reporter never."""
    return None if actor.role == Role.REPORTER else actor.name


def create_report(session: Session, command: CreateReport) -> list[ReportEvent]:
    """Persist a new report as ``pending``. Its photo is not looked at here: the report is stored
    with ``photo_status`` ``pending`` and the photo stage (``worker/photos.py``) renders it later."""
    now = utcnow()
    upload = command.upload if command.upload and store.is_upload_name(command.upload) else None
    photo_status = PhotoStatus.PENDING if upload else PhotoStatus.NONE
    if command.upload and upload is None:
        photo_status = PhotoStatus.UNUSABLE  # not a name the API makes: nothing to render
    room = _room_ref(session, command.room) if command.room else None
    values: dict[str, object] = {
        "id": command.report_id,
        "tracking_token_hash": command.tracking_token_hash,
        "title": command.title,
        "description": command.description,
        "category": command.category,
        "location": command.location,
        "priority": command.priority.value,
        "priority_rank": command.priority.rank,
        "status": Status.PENDING.value,
        "reporter_name": command.reporter_name,
        "reporter_contact": command.reporter_contact,
        "language": command.language,
        "photo": None,
        "photo_status": photo_status.value,
        "photo_upload": upload,
        "created_at": command.issued_at,
        "updated_at": now,
        "room_code": room.code if room else None,
        "building_code": room.building if room else None,
        "supporter_hash": command.supporter_hash,
    }
    report = Report(**values)  # not added to the session: the row is inserted in one statement below
    reporter = Actor(role=Role.REPORTER, name=command.reporter_name)
    record = _Recorder(session, command.command_id, report, now)
    record.add(
        TimelineKind.CREATED,
        reporter,
        event="status",
        from_status=Status.QUEUED,
        to_status=Status.PENDING,
        view=ReportView.model_validate({**values, "room": room}),  # public listeners learn of it
    )
    if photo_status == PhotoStatus.UNUSABLE:
        record.add(TimelineKind.PHOTO, SYSTEM_ACTOR, event="photo", note="photo.not_an_image")
    session.connection().execute(_INSERT_REPORT, values)
    count_status(session, Status(report.status), +1)
    return record.write()


def _room_ref(session: Session, code: str) -> RoomRef | None:
    """The room a new report names. The API checked it; one gone meanwhile leaves the report with
    its text location only (a report is never lost for its room)."""
    row = session.execute(
        select(Room.code, Room.name, Room.building_code, Building.name, Room.floor)
        .join(Building, Building.code == Room.building_code)
        .where(Room.code == code)
    ).first()
    if row is None:
        return None
    return RoomRef(code=row[0], name=row[1], building=row[2], building_name=row[3], floor=row[4])


def update_report(session: Session, command: UpdateReport) -> list[ReportEvent]:
    """Apply a status, priority or assignment change; refusals are recorded, never applied."""
    report = _load_for_update(session, command.report_id)
    record = _Recorder(session, command.command_id, report, utcnow())
    actor = command.actor
    if command.priority is not None and command.priority.value != report.priority:
        old = report.priority
        report.priority = command.priority.value
        report.priority_rank = command.priority.rank
        record.add(TimelineKind.PRIORITY, actor, event="priority", note=f"{old} → {report.priority}")
    if command.assignee is not None:
        _assign(session, report, command.assignee, actor, record)
    if command.status is not None and command.status_via is not None:
        _change_status_via(report, command.status_via, command.status, actor, command.note, record)
    elif command.status is not None:
        _change_status(report, command.status, actor, command.note, record)
    elif command.note and command.note.strip():
        record.add(TimelineKind.COMMENT, actor, event="comment", note=command.note.strip())
    if record.events:
        report.updated_at = record.at
    return record.write()


def add_comment(session: Session, command: AddComment) -> list[ReportEvent]:
    report = _load_for_update(session, command.report_id)
    record = _Recorder(session, command.command_id, report, utcnow())
    record.add(TimelineKind.COMMENT, command.actor, event="comment", note=command.body)
    report.updated_at = record.at
    return record.write()


def _change_status(report: Report, target: Status, actor: Actor, note: str | None, record: _Recorder) -> None:
    current = Status(report.status)
    verdict = check_transition(current, target, actor.role, note)
    if not verdict.allowed:
        record.add(
            TimelineKind.REFUSED,
            actor,
            event="refused",
            from_status=current,
            to_status=target,
            note=verdict.reason,
        )
        return
    report.status = target.value
    count_status(record.session, current, -1)
    count_status(record.session, target, +1)
    clean_note = note.strip() if note and note.strip() else None
    record.add(
        TimelineKind.STATUS,
        actor,
        event="status",
        from_status=current,
        to_status=target,
        note=clean_note,
    )


def _change_status_via(
    report: Report, via: Status, target: Status, actor: Actor, note: str | None, record: _Recorder
) -> None:
    """Two moves, all or nothing: to ``via`` (skipped when the report is in it already), then to
    ``target``. If either is not allowed, one refusal is recorded and nothing changes."""
    current = Status(report.status)
    if current == target:
        return  # already there (another change got in first): nothing to do, nothing refused
    if current == via:
        _change_status(report, target, actor, note, record)
        return
    first = check_transition(current, via, actor.role, None)
    second = check_transition(via, target, actor.role, note) if first.allowed else first
    if not second.allowed:
        record.add(
            TimelineKind.REFUSED,
            actor,
            event="refused",
            from_status=current,
            to_status=target,
            note=second.reason,
        )
        return
    _change_status(report, via, actor, None, record)
    _change_status(report, target, actor, note, record)


def _assign(session: Session, report: Report, username: str, actor: Actor, record: _Recorder) -> None:
    if username == "":
        if report.assignee_id is not None:
            report.assignee_id = None
            record.add(TimelineKind.ASSIGNMENT, actor, event="assignment", note=None)
        return
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        record.add(TimelineKind.REFUSED, actor, event="refused", note="assignment.unknown_user")
        return
    if report.assignee_id != user.id:
        report.assignee_id = user.id
        record.add(TimelineKind.ASSIGNMENT, actor, event="assignment", note=user.display_name)


_STATUS_DELTAS = "lapor.status_deltas"


def count_status(session: Session, status: Status, delta: int) -> None:
    """Note a change to the status counts; ``write_status_counts`` stores them before the commit."""
    deltas: Counter[str] = session.info.setdefault(_STATUS_DELTAS, Counter())
    deltas[status.value] += delta


def write_status_counts(session: Session) -> None:
    """One statement per status the transaction changed, at its end: the counts are a few hot
    rows that every create touches, so their locks are held for the shortest time, and taken in
    the same order by every worker (PostgreSQL would otherwise find deadlocks between batches)."""
    deltas: Counter[str] = session.info.pop(_STATUS_DELTAS, Counter())
    changes = [{"counted_status": s, "delta": d} for s, d in sorted(deltas.items()) if d]
    if changes:
        session.connection().execute(_COUNT_STATUS, changes)


def _load_for_update(session: Session, report_id: str) -> Report:
    report = session.scalar(select(Report).where(Report.id == report_id).with_for_update())
    if report is None:
        raise ReportNotPersistedYet(report_id)
    return report

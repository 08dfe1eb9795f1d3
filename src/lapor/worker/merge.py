"""Merging a duplicate into the report that is kept, and hiding a report from public views.

A merge changes two reports and everyone following the duplicate, all in the one transaction
of its command: the rule is checked again here (``domain/merging.py``), on rows locked in id
order, and a refusal is recorded as a ``refused`` event with nothing else changed."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from lapor.domain.commands import HideReport, MergeReport, utcnow
from lapor.domain.enums import Status, TimelineKind
from lapor.domain.events import ReportEvent, ReportView
from lapor.domain.merging import MergeSide, merge_refusal
from lapor.store.models import Category, PushSubscription, Report, ReportSupporter, table_of
from lapor.store.places_queries import publicly_listed
from lapor.worker import handlers
from lapor.worker.handlers import ReportNotPersistedYet, count_status
from lapor.worker.support import recount_me_too

_INSERT_SUPPORTER = insert(table_of(ReportSupporter))


def _lock_both(session: Session, first_id: str, second_id: str) -> dict[str, Report]:
    """Both reports, locked in the order of their ids: two merges that cross (A into B while B
    into A) wait for each other on PostgreSQL instead of deadlocking."""
    rows = session.scalars(
        select(Report).where(Report.id.in_((first_id, second_id))).order_by(Report.id).with_for_update()
    )
    return {row.id: row for row in rows}


def merge_report(session: Session, command: MergeReport) -> list[ReportEvent]:
    """Apply a merge of ``report_id`` into ``into``, or record why not."""
    rows = _lock_both(session, command.report_id, command.into)
    source = rows.get(command.report_id)
    if source is None:
        raise ReportNotPersistedYet(command.report_id)
    target = rows.get(command.into)
    now = utcnow()
    record = handlers._Recorder(session, command.command_id, source, now)
    note = command.note.strip() if command.note and command.note.strip() else None
    reason = "merge.unknown_target" if target is None else merge_refusal(_side(source), _side(target))
    if reason is not None or target is None:
        record.add(TimelineKind.REFUSED, command.actor, event="refused", note=reason)
        return record.write()
    before = Status(source.status)
    source.status = Status.DUPLICATE.value
    source.duplicate_of = target.id
    source.updated_at = now
    count_status(session, before, -1)
    count_status(session, Status.DUPLICATE, +1)
    # Reports merged into the duplicate before follow it on: ``duplicate_of`` is never a duplicate.
    session.execute(update(Report).where(Report.duplicate_of == source.id).values(duplicate_of=target.id))
    _move_supporters(session, source.id, target.id, now)
    # The duplicate's browsers follow the kept report, hearing what the public hears of it: its
    # reporter is not the kept report's reporter (no photos, notes or comments of theirs).
    on_target = select(PushSubscription.endpoint).where(PushSubscription.report_id == target.id)
    session.execute(
        delete(PushSubscription).where(
            PushSubscription.report_id == source.id,
            PushSubscription.endpoint.in_(on_target.scalar_subquery()),
        )
    )
    session.execute(
        update(PushSubscription)
        .where(PushSubscription.report_id == source.id)
        .values(report_id=target.id, audience="public")
    )
    session.flush()
    me_too = recount_me_too(session, target.id)
    target.me_too = me_too
    target.updated_at = now
    record.add(
        TimelineKind.MERGED,
        command.actor,
        event="merged",
        from_status=before,
        to_status=Status.DUPLICATE,
        note=note,
    )
    kept = handlers._Recorder(session, command.command_id, target, now)
    kept.add(TimelineKind.MERGED, command.actor, event="merged", note=note)
    extra = {"duplicate_of": target.id, "me_too": me_too}
    events = [event.model_copy(update=extra) for event in record.write()]
    # The kept report's events follow the duplicate's; their ids must not collide.
    for index, event in enumerate(kept.write(), start=len(events)):
        events.append(event.model_copy(update={**extra, "event_id": f"{command.command_id}:{index}"}))
    return events


def _side(report: Report) -> MergeSide:
    return MergeSide(id=report.id, status=Status(report.status), duplicate_of=report.duplicate_of)


def _move_supporters(session: Session, source_id: str, target_id: str, now: object) -> None:
    """The duplicate's "me too" rows become the kept report's; one row per person, never two."""
    moving = {
        person: at
        for person, at in session.execute(
            select(ReportSupporter.supporter_hash, ReportSupporter.created_at).where(
                ReportSupporter.report_id == source_id
            )
        )
    }
    if not moving:
        return
    kept = set(
        session.scalars(
            select(ReportSupporter.supporter_hash).where(
                ReportSupporter.report_id == target_id, ReportSupporter.supporter_hash.in_(moving)
            )
        )
    )
    rows = [
        {"report_id": target_id, "supporter_hash": person, "created_at": at or now}
        for person, at in sorted(moving.items())
        if person not in kept
    ]
    session.execute(delete(ReportSupporter).where(ReportSupporter.report_id == source_id))
    if rows:
        session.connection().execute(_INSERT_SUPPORTER, rows)


def hide_report(session: Session, command: HideReport) -> list[ReportEvent]:
    """Take a report off public views, or show it again; asking for what is already so changes nothing."""
    report = handlers._load_for_update(session, command.report_id)
    if report.hidden == command.hidden:
        return []
    now = utcnow()
    report.hidden = command.hidden
    report.updated_at = now
    record = handlers._Recorder(session, command.command_id, report, now)
    if command.hidden:
        record.add(TimelineKind.HIDDEN, command.actor, event="hidden")
    else:
        # The public view goes along, so that an open room page can show the report again.
        room = handlers._room_ref(session, report.room_code) if report.room_code else None
        view = ReportView.model_validate(
            {
                "id": report.id,
                "title": report.title,
                "category": report.category,
                "location": report.location,
                "status": report.status,
                "priority": report.priority,
                "created_at": report.created_at,
                "updated_at": report.updated_at,
                "photo_status": report.photo_status,
                "room": room,
                "me_too": report.me_too,
            }
        )
        record.add(TimelineKind.SHOWN, command.actor, event="shown", view=view)
    return record.write()


class PublicListing:
    """Which reports of one transaction's events no public view shows: ``mark`` sets ``unlisted``
    on their events.

    The worker's hot path: a new report is never hidden, so its events need only its category,
    which its first event carries; the categories that are never public are read once per
    transaction (a batch of commands), not once per command. Events of other reports are looked
    up (one query for the command's reports)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._private: frozenset[str] | None = None

    def private_categories(self) -> frozenset[str]:
        if self._private is None:
            slugs = self.session.scalars(select(Category.slug).where(Category.never_public.is_(True)))
            self._private = frozenset(slugs)
        return self._private

    def forget(self) -> None:
        """A category may have changed in this transaction: read them again when next needed."""
        self._private = None

    def mark(self, events: list[ReportEvent]) -> list[ReportEvent]:
        if not events:
            return events
        # A ``report`` view rides on a new report's first event and on ``shown``: neither is hidden.
        known = {event.report_id: event.report.category for event in events if event.report is not None}
        unlisted = {
            report_id for report_id, category in known.items() if category in self.private_categories()
        }
        others = {event.report_id for event in events} - known.keys()
        if others:
            found = self.session.scalars(select(Report.id).where(Report.id.in_(others), ~publicly_listed()))
            unlisted.update(found)
        if not unlisted:
            return events
        return [
            event.model_copy(update={"unlisted": True}) if event.report_id in unlisted else event
            for event in events
        ]

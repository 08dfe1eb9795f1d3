"""A report's ``me_too``: the number of distinct people with the same problem.

Counted, not incremented: a "me too" and a merge both call ``recount_me_too`` in the transaction
that changed its inputs, so the number is always what the rows say, whatever was redelivered."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lapor.domain.commands import SupportReport, utcnow
from lapor.domain.enums import CLOSED_STATUSES, Priority, Status
from lapor.domain.events import ReportEvent, visibility_of
from lapor.store.models import Category, Report, ReportSupporter
from lapor.worker.handlers import ReportNotPersistedYet


def people_following(session: Session, report_id: str) -> set[str]:
    """Everyone who said "me too" on the report, and the reporter of every report merged into it.

    A reporter is known by the supporter id their form sent (so a person who reported and also
    said "me too" counts once), else by their report: two reports are two people."""
    people = set(
        session.scalars(select(ReportSupporter.supporter_hash).where(ReportSupporter.report_id == report_id))
    )
    merged = session.execute(select(Report.id, Report.supporter_hash).where(Report.duplicate_of == report_id))
    for duplicate_id, reporter in merged:
        people.add(reporter or f"report:{duplicate_id}")
    return people


def recount_me_too(session: Session, report_id: str) -> int:
    """Store and return the report's ``me_too``; its own reporter is never counted."""
    own = session.scalar(select(Report.supporter_hash).where(Report.id == report_id))
    people = people_following(session, report_id)
    people.discard(own or "")
    count = len(people)
    session.execute(update(Report).where(Report.id == report_id).values(me_too=count))
    return count


def is_supportable(session: Session, report: Report) -> bool:
    """Whether a "me too" may count on ``report`` now: open, not hidden, not of a private category."""
    if Status(report.status) in CLOSED_STATUSES or report.hidden:
        return False
    private = session.scalar(select(Category.never_public).where(Category.slug == report.category))
    return not private


def support_report(session: Session, command: SupportReport) -> list[ReportEvent]:
    """Count the supporter once: a ``me_too`` event with the new count, or nothing at all (a repeat,
    the report's own reporter, or a report closed, hidden or made private since the API said yes)."""
    report = session.scalar(select(Report).where(Report.id == command.report_id).with_for_update())
    if report is None:
        raise ReportNotPersistedYet(command.report_id)
    if not is_supportable(session, report):
        return []
    if not _add_supporter(session, report.id, command.supporter_hash):
        return []
    before = report.me_too
    count = recount_me_too(session, report.id)
    if count == before:
        return []  # its own reporter said "me too": nobody new
    report.me_too = count  # the ORM's copy, so a later flush does not write the old number back
    return [
        ReportEvent(
            event_id=f"{command.command_id}:0",
            type="me_too",
            report_id=report.id,
            at=utcnow(),
            status=Status(report.status),
            visibility=visibility_of("me_too"),
            priority=Priority(report.priority),
            me_too=count,
            room=report.room_code,
        )
    ]


def is_supporter(session: Session, report_id: str, supporter: str) -> bool:
    found = session.scalar(
        select(ReportSupporter.report_id).where(
            ReportSupporter.report_id == report_id, ReportSupporter.supporter_hash == supporter
        )
    )
    return found is not None


def _add_supporter(session: Session, report_id: str, supporter: str) -> bool:
    """Insert the supporter's row unless it is there; True if it was new. The report's row is
    locked by the caller, so two workers cannot both find it absent."""
    if is_supporter(session, report_id, supporter):
        return False
    session.execute(
        insert(ReportSupporter).values(report_id=report_id, supporter_hash=supporter, created_at=utcnow())
    )
    return True

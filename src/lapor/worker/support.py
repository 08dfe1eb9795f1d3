"""A report's ``me_too``: the number of distinct people with the same problem.

Counted, not incremented: a "me too" and a merge both call ``recount_me_too`` in the transaction
that changed its inputs, so the number is always what the rows say, whatever was redelivered."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lapor.store.models import Report, ReportSupporter


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

"""Forgetting what is no longer needed, in small transactions so the write lock is never held long.

``processed_commands`` (a command applied before is not applied again) and ``push_deliveries``
(an event is pushed to a browser once) get a row for every command and every push. A command is
redelivered within seconds of a crash and an event re-read within the event stream's life, so rows
older than ``LAPOR_PROCESSED_RETENTION_DAYS`` only grow the database. A reporter's browser
subscriptions are kept that long after the report was closed (resolved, rejected, or merged into
another as a duplicate, whose followers then follow that one; a reopen is pushed
too), then forgotten: nobody needs a stranger's browser endpoint for a finished repair.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from lapor.domain.enums import CLOSED_STATUSES
from lapor.store.models import ProcessedCommand, PushDelivery, PushSubscription, Report

CHUNK = 5000  # rows per transaction


def prune_processed(session: Session, before: datetime) -> int:
    """Delete up to ``CHUNK`` processed-command records older than ``before``; how many went."""
    old = select(ProcessedCommand.command_id).where(ProcessedCommand.processed_at < before).limit(CHUNK)
    result = session.execute(
        delete(ProcessedCommand).where(ProcessedCommand.command_id.in_(old.scalar_subquery()))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def prune_deliveries(session: Session, before: datetime) -> int:
    """Delete up to ``CHUNK`` push-delivery records older than ``before``; how many went."""
    key = tuple_(PushDelivery.event_id, PushDelivery.subscription_id)
    old = select(PushDelivery.event_id, PushDelivery.subscription_id).where(PushDelivery.sent_at < before)
    result = session.execute(delete(PushDelivery).where(key.in_(old.limit(CHUNK))))
    return int(result.rowcount)  # type: ignore[attr-defined]


def prune_closed_subscriptions(session: Session, before: datetime) -> int:
    """Delete up to ``CHUNK`` reporter subscriptions of reports closed before ``before``."""
    old = (
        select(PushSubscription.id)
        .join(Report, Report.id == PushSubscription.report_id)  # from the few subscriptions, not all reports
        .where(Report.status.in_([s.value for s in CLOSED_STATUSES]), Report.updated_at < before)
        .limit(CHUNK)
    )
    result = session.execute(delete(PushSubscription).where(PushSubscription.id.in_(old.scalar_subquery())))
    return int(result.rowcount)  # type: ignore[attr-defined]

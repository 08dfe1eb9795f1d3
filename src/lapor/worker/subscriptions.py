"""Applying the ``push.*`` commands: who gets a Web Push, stored by the worker like any change."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lapor.domain.commands import SubscribePush, SubscribeStaffPush, Unsubscribe, utcnow
from lapor.store.models import PushSubscription, Report, User
from lapor.worker.handlers import ReportNotPersistedYet

log = logging.getLogger("lapor.worker")

# A report or a staff member keeps at most this many browsers (a phone, a laptop, …): a tracking
# token must not become a way to make the server send pushes to any number of addresses.
MAX_SUBSCRIPTIONS = 5


def subscribe_reporter(session: Session, command: SubscribePush) -> None:
    """Keep the reporter's subscription, if the tracking token is the report's (the API checked it
    already when it could; this is the check that always runs)."""
    report = session.get(Report, command.report_id)
    if report is None:
        raise ReportNotPersistedYet(command.report_id)
    if not hmac.compare_digest(report.tracking_token_hash, command.tracking_token_hash):
        log.warning("push subscription for report %s refused: wrong tracking token", command.report_id)
        return
    if report.duplicate_of is not None:
        # Merged: its reporter follows the kept report, as the public hears it (worker/merge.py).
        kept = report.duplicate_of
        _store(session, command, PushSubscription.report_id == kept, report_id=kept, audience="public")
        return
    _store(session, command, PushSubscription.report_id == command.report_id, report_id=command.report_id)


def subscribe_staff(session: Session, command: SubscribeStaffPush) -> None:
    """Keep a staff member's subscription (one per browser), with what they want to hear about."""
    user = session.get(User, command.user_id)
    if user is None or not user.active:
        log.warning("push subscription for staff user %s refused: no such active user", command.user_id)
        return
    _store(
        session,
        command,
        PushSubscription.user_id == command.user_id,
        user_id=command.user_id,
        emergencies=command.emergencies,
        assigned=command.assigned,
    )


def unsubscribe(session: Session, command: Unsubscribe) -> None:
    """The browser turned notifications off: nothing more goes to its endpoint."""
    session.execute(delete(PushSubscription).where(PushSubscription.endpoint == command.endpoint))


def _store(
    session: Session,
    command: SubscribePush | SubscribeStaffPush,
    owner: Any,
    *,
    report_id: str | None = None,
    user_id: int | None = None,
    emergencies: bool = False,
    assigned: bool = False,
    audience: str = "reporter",
) -> None:
    """Insert or update the owner's subscription for this browser (its endpoint), then trim."""
    existing = session.scalar(
        select(PushSubscription).where(owner, PushSubscription.endpoint == command.endpoint)
    )
    subscription = existing or PushSubscription(
        endpoint=command.endpoint, report_id=report_id, user_id=user_id, created_at=utcnow()
    )
    subscription.p256dh = command.keys.p256dh
    subscription.auth = command.keys.auth
    subscription.language = command.language
    subscription.emergencies = emergencies
    subscription.assigned = assigned
    # The same browser as a report's reporter and as a follower keeps the reporter's hearing.
    subscription.audience = (
        "reporter" if existing is not None and existing.audience == "reporter" else audience
    )
    session.add(subscription)
    _keep_newest(session, owner)


def _keep_newest(session: Session, owner: Any) -> None:
    """Forget the oldest subscriptions of one owner beyond ``MAX_SUBSCRIPTIONS``."""
    session.flush()
    ids = list(
        session.scalars(
            select(PushSubscription.id)
            .where(owner)
            .order_by(PushSubscription.id.desc())
            .offset(MAX_SUBSCRIPTIONS)
        )
    )
    if ids:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))

"""Applying the ``push.*`` commands: who gets a Web Push, stored by the worker like any change."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from lapor.domain.commands import (
    SubscribePush,
    SubscribeStaffPush,
    SubscribeSupporterPush,
    SupportReport,
    Unsubscribe,
    utcnow,
)
from lapor.domain.events import ReportEvent
from lapor.store.models import PushSubscription, Report, User
from lapor.worker.handlers import ReportNotPersistedYet
from lapor.worker.support import is_supporter, support_report

log = logging.getLogger("lapor.worker")

# A report or a staff member keeps at most this many browsers (a phone, a laptop, …): a tracking
# token must not become a way to make the server send pushes to any number of addresses.
MAX_SUBSCRIPTIONS = 5
# A report's followers ("me too") may be many people; their browsers are kept up to this many, the
# newest, so that a flood of supporter ids cannot grow one report's fan-out without bound.
MAX_PUBLIC_SUBSCRIPTIONS = 500


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
        owner = and_(PushSubscription.report_id == kept, PushSubscription.audience == "public")
        _store(session, command, owner, report_id=kept, audience="public")
        return
    owner = and_(PushSubscription.report_id == command.report_id, PushSubscription.audience == "reporter")
    _store(session, command, owner, report_id=command.report_id)


def subscribe_supporter(session: Session, command: SubscribeSupporterPush) -> list[ReportEvent]:
    """Keep a supporter's subscription (audience ``public``) if they said "me too" on the report.

    The API took the subscription only after it had accepted their "me too"; whichever of the two
    commands a worker applies first counts the "me too" (``support_report``: once, and not on a
    report closed, hidden or private by now), so the order they are applied in loses nothing."""
    events = support_report(
        session,
        SupportReport(
            command_id=command.command_id,
            report_id=command.report_id,
            supporter_hash=command.supporter_hash,
        ),
    )
    if not is_supporter(session, command.report_id, command.supporter_hash):
        log.warning("push subscription for report %s refused: not a supporter", command.report_id)
        return events
    owner = and_(PushSubscription.report_id == command.report_id, PushSubscription.audience == "public")
    _store(session, command, owner, report_id=command.report_id, audience="public")
    return events


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
    command: SubscribePush | SubscribeStaffPush | SubscribeSupporterPush,
    owner: Any,
    *,
    report_id: str | None = None,
    audience: str = "reporter",
    user_id: int | None = None,
    emergencies: bool = False,
    assigned: bool = False,
) -> None:
    """Insert or update the owner's subscription for this browser (its endpoint), then trim."""
    existing = session.scalar(
        select(PushSubscription).where(owner, PushSubscription.endpoint == command.endpoint)
    )
    subscription = existing or PushSubscription(
        endpoint=command.endpoint,
        report_id=report_id,
        user_id=user_id,
        audience=audience,
        created_at=utcnow(),
    )
    subscription.p256dh = command.keys.p256dh
    subscription.auth = command.keys.auth
    subscription.language = command.language
    subscription.emergencies = emergencies
    subscription.assigned = assigned
    session.add(subscription)
    _keep_newest(session, owner, MAX_PUBLIC_SUBSCRIPTIONS if audience == "public" else MAX_SUBSCRIPTIONS)


def _keep_newest(session: Session, owner: Any, keep: int) -> None:
    """Forget the oldest subscriptions of one owner beyond ``keep``."""
    session.flush()
    ids = list(
        session.scalars(
            select(PushSubscription.id).where(owner).order_by(PushSubscription.id.desc()).offset(keep)
        )
    )
    if ids:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))

"""Who gets a push for an event, with what text; and the record of what was sent.

Synchronous SQLAlchemy, run by the worker's transaction runner like the command handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lapor.domain.commands import utcnow
from lapor.domain.enums import OPEN_STATUSES, Priority, Status
from lapor.domain.events import ReportEvent
from lapor.i18n import translate
from lapor.push.sender import Target
from lapor.store.models import PushDelivery, PushSubscription, Report, User, table_of

_INSERT_DELIVERY = insert(table_of(PushDelivery))


@dataclass(frozen=True, slots=True)
class Planned:
    """One push to send: where, what, and how urgently (the push service may save battery)."""

    target: Target
    payload: dict[str, Any]
    urgency: str


def plan(session: Session, event: ReportEvent, *, only: int | None = None) -> list[Planned]:
    """The pushes ``event`` calls for that were not sent yet (``only``: for one subscription)."""
    report = session.get(Report, event.report_id)
    if report is None:
        return []
    planned: dict[int, Planned] = {}
    if event.type == "status":
        for sub in _subscriptions(session, PushSubscription.report_id == report.id):
            planned[sub.id] = _reporter_push(sub, event, report)
    if _is_new_emergency(event):
        emergency_subs = _subscriptions(
            session, PushSubscription.emergencies.is_(True), PushSubscription.user_id.in_(_active_users())
        )
        for sub in emergency_subs:
            planned[sub.id] = _staff_push(sub, event, report, "push.staff.emergency")
    if report.assignee_id is not None:
        assignee = session.get(User, report.assignee_id)
        key = _assignee_message(event, assignee)
        if assignee is not None and key is not None:
            assigned_subs = _subscriptions(
                session, PushSubscription.assigned.is_(True), PushSubscription.user_id == assignee.id
            )
            for sub in assigned_subs:
                planned.setdefault(sub.id, _staff_push(sub, event, report, key))
    if only is not None:
        planned = {only: planned[only]} if only in planned else {}
    if not planned:
        return []
    sent = set(
        session.scalars(
            select(PushDelivery.subscription_id).where(
                PushDelivery.event_id == event.event_id, PushDelivery.subscription_id.in_(planned)
            )
        )
    )
    return [push for sub_id, push in planned.items() if sub_id not in sent]


def record(session: Session, event_id: str, *, sent: list[int], gone: list[int]) -> None:
    """Remember what was delivered (never sent twice) and forget what the push service says is gone."""
    if sent:
        already = set(
            session.scalars(
                select(PushDelivery.subscription_id).where(
                    PushDelivery.event_id == event_id, PushDelivery.subscription_id.in_(sent)
                )
            )
        )
        rows = [
            {"event_id": event_id, "subscription_id": sub_id, "sent_at": utcnow()}
            for sub_id in sorted(set(sent) - already)
        ]
        if rows:
            session.connection().execute(_INSERT_DELIVERY, rows)
    if gone:
        session.execute(delete(PushDelivery).where(PushDelivery.subscription_id.in_(gone)))
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))


def _subscriptions(session: Session, *conditions: Any) -> list[PushSubscription]:
    return list(session.scalars(select(PushSubscription).where(*conditions).order_by(PushSubscription.id)))


def _active_users() -> Any:
    return select(User.id).where(User.active.is_(True))


def _is_new_emergency(event: ReportEvent) -> bool:
    if event.priority != Priority.EMERGENCY or event.status not in OPEN_STATUSES:
        return False
    created = event.type == "status" and event.previous_status == Status.QUEUED
    return created or event.type == "priority"


def _assignee_message(event: ReportEvent, assignee: User | None) -> str | None:
    """What the assignee hears about, except their own doing."""
    if assignee is None or not assignee.active or event.by == assignee.display_name:
        return None
    if event.type == "assignment":
        return "push.staff.assigned"
    if event.type == "status":
        return "push.staff.changed"
    if event.type == "comment":
        return "push.staff.comment"
    return None


def _target(sub: PushSubscription) -> Target:
    return Target(subscription_id=sub.id, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth)


def _reporter_push(sub: PushSubscription, event: ReportEvent, report: Report) -> Planned:
    language = sub.language
    title = translate(f"push.reporter.title.{event.status.value}", language)
    note = translate(event.note, language) if event.note else None
    body_key = "push.reporter.body_note" if note else "push.reporter.body"
    body = translate(body_key, language, title=report.title, location=report.location, note=note)
    urgency = "high" if event.status in (Status.RESOLVED, Status.REJECTED) else "normal"
    return Planned(_target(sub), _payload(event, title, body, f"/r/{report.id}"), urgency)


def _staff_push(sub: PushSubscription, event: ReportEvent, report: Report, key: str) -> Planned:
    language = sub.language
    status = translate(f"staff.status.{event.status.value}", language)
    title = translate(key, language, status=status, by=event.by or "")
    body = translate("push.staff.body", language, title=report.title, location=report.location)
    urgency = "high" if key == "push.staff.emergency" else "normal"
    return Planned(_target(sub), _payload(event, title, body, f"/staff/reports/{report.id}"), urgency)


def _payload(event: ReportEvent, title: str, body: str, url: str) -> dict[str, Any]:
    # ``tag``: a newer notification about the same report replaces the older one on the screen.
    return {
        "title": title,
        "body": body,
        "url": url,
        "tag": f"lapor-{event.report_id}",
        "report_id": event.report_id,
        "status": event.status.value,
        "event_id": event.event_id,
    }

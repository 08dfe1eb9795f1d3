"""Who gets a push for an event, with what text; and the record of what was sent.

Synchronous SQLAlchemy, run by the worker's transaction runner like the command handlers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lapor.domain.commands import utcnow
from lapor.domain.enums import OPEN_STATUSES, Priority, Status
from lapor.domain.events import ReportEvent, for_audience
from lapor.i18n import translate
from lapor.push.sender import Target
from lapor.store.models import PushDelivery, PushSubscription, Report, User, table_of

_INSERT_DELIVERY = insert(table_of(PushDelivery))

# The reporter's events worth a notification: a status change, and a staff comment to them.
_REPORTER_PUSHES = frozenset({"status", "comment"})
# A follower's (a subscription with audience ``public``: a supporter): a status change and the
# merge, as their public projection; never a ``me_too`` count, nor anything of the reporter's,
# nor the report's arrival (a follower found it stored, or said "me too" while it was queued).
_PUBLIC_PUSHES = frozenset({"status", "merged"})


@dataclass(frozen=True, slots=True)
class Planned:
    """One push to send: where, what, and how urgently (the push service may save battery)."""

    target: Target
    payload: dict[str, Any]
    urgency: str


def plan_all(
    session: Session, events: Sequence[ReportEvent], *, only: int | None = None
) -> list[list[Planned]]:
    """The pushes each event calls for that were not sent yet (``only``: for one subscription).

    One transaction for a batch of events: two small queries when nobody subscribed to any of
    them, which is most events; the notifier must cost the worker little per report.
    """
    reporter_subs: dict[str, list[PushSubscription]] = {}
    report_ids = {event.report_id for event in events}
    for sub in _subscriptions(session, PushSubscription.report_id.in_(report_ids)):
        reporter_subs.setdefault(str(sub.report_id), []).append(sub)
    staff_subs = _subscriptions(session, PushSubscription.user_id.in_(_active_users()))
    plans: list[list[Planned]] = []
    for event in events:
        mine = reporter_subs.get(event.report_id, [])
        plans.append(_plan(session, event, mine, staff_subs, only) if mine or staff_subs else [])
    return plans


def _plan(
    session: Session,
    event: ReportEvent,
    reporter_subs: list[PushSubscription],
    staff_subs: list[PushSubscription],
    only: int | None,
) -> list[Planned]:
    report = session.get(Report, event.report_id)
    if report is None:
        return []
    planned: dict[int, Planned] = {}
    # A reporter's browser hears what the reporter may see (the one projection the event
    # streams use too); staff subscriptions hear what staff see, which is every event, whole.
    # A follower's browser (audience ``public``) hears the public projection only.
    heard = for_audience(event, "reporter")
    if heard is not None and heard.type in _REPORTER_PUSHES:
        for sub in reporter_subs:
            if sub.audience != "public":
                planned[sub.id] = _reporter_push(sub, heard, report)
    public = for_audience(event, "public")
    if public is not None and public.type in _PUBLIC_PUSHES and public.previous_status != Status.QUEUED:
        reporters = {sub.endpoint for sub in reporter_subs if sub.audience != "public"}
        for sub in reporter_subs:
            if sub.audience == "public" and sub.endpoint not in reporters:  # one push per browser
                planned[sub.id] = _follower_push(sub, public, report)
    if _is_new_emergency(event):
        for sub in staff_subs:
            if sub.emergencies:
                planned[sub.id] = _staff_push(sub, event, report, "push.staff.emergency")
    if report.assignee_id is not None:
        assignee = session.get(User, report.assignee_id)
        key = _assignee_message(event, assignee)
        if assignee is not None and key is not None:
            for sub in staff_subs:
                if sub.assigned and sub.user_id == assignee.id:
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


def record(session: Session, *, sent: list[tuple[str, int]], gone: list[int]) -> None:
    """Remember what was delivered, as (event id, subscription id) (never sent twice), and forget
    the subscriptions the push service says are gone."""
    gone_now = set(gone)
    rows = [
        {"event_id": event_id, "subscription_id": sub_id, "sent_at": utcnow()}
        for event_id, sub_id in sorted(set(sent))
        if sub_id not in gone_now
    ]
    if rows:
        done = session.execute(
            select(PushDelivery.event_id, PushDelivery.subscription_id).where(
                PushDelivery.event_id.in_({row["event_id"] for row in rows})
            )
        )
        already = {(event_id, sub_id) for event_id, sub_id in done}
        rows = [row for row in rows if (row["event_id"], row["subscription_id"]) not in already]
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
    key = "comment" if event.type == "comment" else event.status.value
    title = translate(f"push.reporter.title.{key}", language)
    note = translate(event.note, language) if event.note else None
    body_key = "push.reporter.body_note" if note else "push.reporter.body"
    body = translate(body_key, language, title=report.title, location=report.location, note=note)
    final = event.type == "status" and event.status in (Status.RESOLVED, Status.REJECTED)
    urgency = "high" if final else "normal"
    return Planned(_target(sub), _payload(event, title, body, f"/r/{report.id}"), urgency)


def _follower_push(sub: PushSubscription, event: ReportEvent, report: Report) -> Planned:
    """To someone who said "me too": the report's public change, in words for a follower."""
    language = sub.language
    key = event.status.value
    if event.type == "merged":
        # On the kept report: another report of the same problem joined it (its reporter and
        # followers now follow this one too); on the duplicate: it went into another report.
        key = "merged_here" if event.duplicate_of == event.report_id else "merged"
    title = translate(f"push.follower.title.{key}", language)
    body = translate("push.follower.body", language, title=report.title, location=report.location)
    final = event.type == "status" and event.status in (Status.RESOLVED, Status.REJECTED)
    # A merged report's followers follow the kept one: its page is where the news is.
    target = event.duplicate_of if event.type == "merged" and event.duplicate_of else report.id
    return Planned(_target(sub), _payload(event, title, body, f"/r/{target}"), "high" if final else "normal")


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

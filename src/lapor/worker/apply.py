"""Commands into the database: one at a time, or a batch in one transaction; exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lapor.domain.commands import (
    AccountCommand,
    AddComment,
    AnyCommand,
    CreateReport,
    HideReport,
    ImportLegacyReport,
    ImportPlaces,
    MergeReport,
    SubscribePush,
    SubscribeStaffPush,
    SubscribeSupporterPush,
    SupportReport,
    UpdateReport,
    report_of,
    utcnow,
)
from lapor.domain.events import ReportEvent
from lapor.store.models import ProcessedCommand, table_of
from lapor.worker import handlers, merge, places, subscriptions, support
from lapor.worker.accounts import apply_account_command
from lapor.worker.legacy_import import import_legacy_report
from lapor.worker.transactions import TransactionRunner

_INSERT_PROCESSED = insert(table_of(ProcessedCommand))


@dataclass(frozen=True, slots=True)
class Outcome:
    events: list[ReportEvent]
    replayed: bool  # the command had been applied before; its events are sent again
    result: dict[str, Any] | None = None  # for a sender that waits for it (keys.command_result)
    end_sessions_of: int | None = None  # a staff member deactivated or given another role


async def apply_command(runner: TransactionRunner, command: AnyCommand) -> Outcome:
    """Apply ``command`` exactly once; a redelivered command changes nothing.

    A report's photo is not touched here: the report is stored with its photo pending, and the
    photo stage renders it after (``worker/photos.py``).
    """
    try:
        return await runner.run(lambda session: apply_in_session(session, command))
    except IntegrityError:
        # Applied before: redelivered after a crash, or applied meanwhile by another worker.
        already = await runner.run(lambda session: processed_events(session, command.command_id))
        if already is None:
            raise
        return Outcome(already, replayed=True)


async def apply_together(runner: TransactionRunner, batch: Sequence[AnyCommand]) -> list[Outcome]:
    """Apply a batch of commands in order in one transaction: one commit for all of them.

    A commit is most of what a small command costs (a WAL write on SQLite, a flush to disk and a
    round trip on PostgreSQL). All or nothing: if any command fails (redelivered, its report not
    stored yet, refused by the database, the database gone), this raises with nothing committed,
    and the caller applies the batch one command at a time, where each case has its own answer.
    """

    def apply_all(session: Session) -> list[Outcome]:
        listing = merge.PublicListing(session)
        outcomes = [_apply(session, command, listing) for command in batch]
        handlers.write_status_counts(session)
        return outcomes

    return await runner.run(apply_all)


def apply_in_session(session: Session, command: AnyCommand) -> Outcome:
    """The command's whole database work, as the caller's whole transaction."""
    outcome = _apply(session, command, merge.PublicListing(session))
    handlers.write_status_counts(session)
    return outcome


def _apply(session: Session, command: AnyCommand, listing: merge.PublicListing) -> Outcome:
    """One command's changes and the record that it is done, inside the caller's transaction.

    There is no "applied before?" query first: a redelivered command fails on the unique
    command id (or report id) at the flush, its transaction rolls back whole, and the caller
    replays the stored events. One round trip fewer for every command that is new.
    """
    events: list[ReportEvent] = []
    result: dict[str, Any] | None = None
    end_sessions_of = None
    if isinstance(command, CreateReport):
        events = handlers.create_report(session, command)
    elif isinstance(command, UpdateReport):
        events = handlers.update_report(session, command)
    elif isinstance(command, MergeReport):
        events = merge.merge_report(session, command)
    elif isinstance(command, HideReport):
        events = merge.hide_report(session, command)
    elif isinstance(command, AddComment):
        events = handlers.add_comment(session, command)
    elif isinstance(command, ImportLegacyReport):
        import_legacy_report(session, command)
    elif isinstance(command, SupportReport):
        events = support.support_report(session, command)
    elif isinstance(command, SubscribeSupporterPush):
        events = subscriptions.subscribe_supporter(session, command)
    elif isinstance(command, SubscribePush):
        subscriptions.subscribe_reporter(session, command)
    elif isinstance(command, SubscribeStaffPush):
        subscriptions.subscribe_staff(session, command)
    elif isinstance(command, ImportPlaces):
        result = places.import_places(session, command)
    elif isinstance(command, AccountCommand):
        end_sessions_of = apply_account_command(session, command)
        listing.forget()  # a category may have become (or stopped being) never public
    else:
        subscriptions.unsubscribe(session, command)
    session.flush()  # the ORM's changes (updates) first, then the record that they are done
    events = listing.mark(events)  # off public streams while hidden or never public
    session.connection().execute(  # a duplicate fails here, inside the transaction
        _INSERT_PROCESSED,
        {
            "command_id": command.command_id,
            "report_id": report_of(command),
            "processed_at": utcnow(),
            "events": [event.model_dump(mode="json") for event in events],
        },
    )
    return Outcome(events, replayed=False, result=result, end_sessions_of=end_sessions_of)


def processed_events(session: Session, command_id: str) -> list[ReportEvent] | None:
    stored = session.get(ProcessedCommand, command_id)
    if stored is None:
        return None
    return [ReportEvent.model_validate(event) for event in stored.events]

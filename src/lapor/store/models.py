"""Tables. Reports and everything attached to them are written by the worker only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can refer to them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements (the worker's hot path skips the ORM's bookkeeping)."""
    return cast(Table, model.__table__)


class Category(Base):
    __tablename__ = "categories"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_id: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # retired: off the form, reports kept
    default_priority: Mapped[str] = mapped_column(String(20), default="normal", server_default="normal")
    # Its reports never appear in a public view (a toilet, a dormitory): their reporter and staff only.
    never_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tracking_token_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(20))
    priority_rank: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(20))
    reporter_name: Mapped[str] = mapped_column(String(120))
    reporter_contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="id")
    photo: Mapped[str | None] = mapped_column(String(80), nullable=True)  # set once rendered
    # none, pending, ready, unusable (domain.enums.PhotoStatus). While pending, photo_upload names
    # the raw upload the photo stage renders: the state survives any crash of the worker.
    photo_status: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    photo_upload: Mapped[str | None] = mapped_column(String(80), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    # The room a report names (codes are stable); its building copied so a building's reports
    # are one index range. Reports from before places, or of a corridor, have neither.
    room_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    building_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # How many distinct people have the same problem: its supporters ("me too") and the reporters
    # of the reports merged into it, never its own reporter. Kept by the worker (worker/support.py).
    me_too: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The hash of the reporter's browser id (the one a "me too" sends), when the form sent it: so
    # that the reporter's own "me too", or theirs on a duplicate later merged, counts nobody twice.
    supporter_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Set when status is ``duplicate``: the report it was merged into, always one that is not a duplicate.
    duplicate_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Off every public view (staff's choice); the reporter and staff still see it, numbers still count it.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index("ix_reports_created", "created_at", "id"),
        Index("ix_reports_status_created", "status", "created_at", "id"),
        Index("ix_reports_priority_created", "priority_rank", "created_at", "id"),
        Index("ix_reports_category_created", "category", "created_at", "id"),
        Index("ix_reports_assignee", "assignee_id"),
        Index("ix_reports_photo_status_created", "photo_status", "created_at"),
        Index("ix_reports_room_created", "room_code", "created_at", "id"),
        Index("ix_reports_building_created", "building_code", "created_at", "id"),
        Index("ix_reports_me_too_created", "me_too", "created_at", "id"),
        Index("ix_reports_duplicate_of", "duplicate_of"),
    )


class ReportSupporter(Base):
    """One person's "me too" on a report, by the hash of the random id their browser keeps.

    When a report is merged, its supporters move to the kept report (one row each, never two)."""

    __tablename__ = "report_supporters"

    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    supporter_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column()


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    command_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column()
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_timeline_report", "report_id", "id"),)


class ProcessedCommand(Base):
    """Every applied command, so a redelivered one changes nothing; keeps its events to re-publish."""

    __tablename__ = "processed_commands"

    command_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # None: a push command
    processed_at: Mapped[datetime] = mapped_column()
    events: Mapped[list[dict[str, object]]] = mapped_column(JSON)

    __table_args__ = (Index("ix_processed_commands_processed_at", "processed_at"),)


class StatusCount(Base):
    """How many reports have each status: kept by the worker in the same transaction as the
    change, so the dashboard's counts cost one small read at any size."""

    __tablename__ = "status_counts"

    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class PushSubscription(Base):
    """A browser that asked for Web Push: a reporter's for one report, or a staff member's.

    Written by the worker (from ``push.*`` commands) and by the notifier, which deletes a
    subscription the push service says is gone."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint: Mapped[str] = mapped_column(String(1000))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8), default="id")
    report_id: Mapped[str | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    emergencies: Mapped[bool] = mapped_column(Boolean, default=False)  # staff: every new emergency
    assigned: Mapped[bool] = mapped_column(Boolean, default=False)  # staff: reports assigned to them
    # What a report's subscription may hear: ``reporter`` (the report's own reporter: its public
    # and reporter events) or ``public`` (a supporter, or the reporter of a duplicate merged into
    # it: public events only, never the reporter's photos, notes or comments).
    audience: Mapped[str] = mapped_column(String(10), default="reporter", server_default="reporter")
    created_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        Index("ix_push_subscriptions_report", "report_id"),
        Index("ix_push_subscriptions_user", "user_id"),
        Index("ix_push_subscriptions_endpoint", "endpoint"),
    )


class PushDelivery(Base):
    """A push the notifier sent: at most one per event per subscription."""

    __tablename__ = "push_deliveries"

    event_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime] = mapped_column()

    __table_args__ = (Index("ix_push_deliveries_sent_at", "sent_at"),)


class Building(Base):
    """A building of the campus; its code is upper case, unique and stable (domain/places.py)."""

    __tablename__ = "buildings"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    campus: Mapped[str | None] = mapped_column(String(80), nullable=True)


class Room(Base):
    """A room a report can name. Retired rooms stay (old reports name them) but take no new ones."""

    __tablename__ = "rooms"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    building_code: Mapped[str] = mapped_column(ForeignKey("buildings.code"))
    floor: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120), nullable=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lower-case code, names and building name: what the search matches a substring in.
    search: Mapped[str] = mapped_column(String(400))

    __table_args__ = (Index("ix_rooms_building", "building_code", "code"),)


class Invitation(Base):
    """A one-time link where a staff member chooses their password: on invitation, or after an
    admin's reset. Only the token's hash is stored; the link itself is shown once, to the admin."""

    __tablename__ = "invitations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10))  # invite, reset
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (Index("ix_invitations_user", "user_id"),)


class AuditEntry(Base):
    """One admin change: who, when, what, before → after (secrets never). Written by the worker in
    the same transaction as the change it records."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column()
    command_id: Mapped[str] = mapped_column(String(36))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the member themselves
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))  # user.invite, user.update, category.update, …
    target_type: Mapped[str] = mapped_column(String(20))  # user, category
    target: Mapped[str] = mapped_column(String(80))  # a username or a category slug
    before: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (
        Index("ix_audit_log_at", "at", "id"),
        Index("ix_audit_log_target", "target_type", "target", "id"),
        Index("ix_audit_log_action", "action", "id"),
    )


class LegacyReport(Base):
    """A report imported from the original project's JSON file (``lapor import-seed``): its old
    8-character id, kept so that old links (``GET /api/lapor/{old id}``) still find it, and the
    record as it was in the file (its times and fields, verbatim)."""

    __tablename__ = "legacy_reports"

    legacy_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    source: Mapped[dict[str, object]] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column()

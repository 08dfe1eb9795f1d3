"""Commands: the only way anything about a report changes.

The API builds them, the broker carries their JSON, the worker applies them. Every command
has an id the store records, so applying the same command twice changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from lapor.domain.enums import Priority, Role, Status
from lapor.domain.places import PlaceRow


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Actor(BaseModel):
    """Who asked for a change, as the API authenticated them."""

    model_config = ConfigDict(frozen=True)

    role: Role
    name: str
    user_id: int | None = None


class _BaseCommand(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str = Field(default_factory=new_id)
    issued_at: datetime = Field(default_factory=utcnow)


class _Command(_BaseCommand):
    report_id: str


class CreateReport(_Command):
    type: Literal["report.create"] = "report.create"
    tracking_token_hash: str
    reporter_name: str
    reporter_contact: str | None = None
    category: str
    location: str
    title: str
    description: str
    priority: Priority = Priority.NORMAL
    upload: str | None = None  # file name in the upload store, bytes not yet verified
    language: str = "id"
    room: str | None = None  # a room's code, checked by the API against its room cache
    # The hash of the browser's supporter id, when the form sent one: its own "me too" never counts.
    supporter_hash: str | None = None


class UpdateReport(_Command):
    type: Literal["report.update"] = "report.update"
    actor: Actor
    status: Status | None = None
    # Two moves in one command, all or nothing: through ``status_via`` first (when the report is
    # not in it already), then to ``status``. The original project's "Selesai" on a pending report
    # is pending → in_progress → resolved.
    status_via: Status | None = None
    priority: Priority | None = None
    assignee: str | None = None  # a staff username; "" unassigns
    note: str | None = None


class ImportLegacyReport(_Command):
    """One record of the original project's JSON file (``lapor import-seed``), with its history.

    Ids are derived from the old id, so sending the same record twice stores it once; the
    worker also skips a record whose old id is already stored. Imported text is kept as it was
    (no minimum lengths: the original accepted "Gatau"). Times are UTC."""

    type: Literal["report.import"] = "report.import"
    legacy_id: str
    tracking_token_hash: str
    reporter_name: str
    location: str
    title: str
    description: str
    priority: Priority
    status: Status
    created_at: datetime
    processed_at: datetime | None = None  # the original worker's ``waktu_diproses``
    updated_at: datetime | None = None  # the original's ``waktu_update``
    upload: str | None = None  # the photo's bytes in the upload store, for the photo stage
    source: dict[str, object] = Field(default_factory=dict)  # the record as the file had it


class MergeReport(_Command):
    """Staff merge the report (``report_id``) into ``into``, the report that is kept.

    A command of its own, not a field of ``UpdateReport``: it changes two reports (and the
    followers of both) in one transaction, can never be combined with a status or priority
    change, and the worker refuses it whole or applies it whole (``worker/merge.py``)."""

    type: Literal["report.merge"] = "report.merge"
    actor: Actor
    into: str
    note: str | None = None


class HideReport(_Command):
    """Staff take a report off every public view (``hidden``), or show it again."""

    type: Literal["report.hide"] = "report.hide"
    actor: Actor
    hidden: bool


class AddComment(_Command):
    type: Literal["report.comment"] = "report.comment"
    actor: Actor
    body: str


class SupportReport(_Command):
    """Someone else has the same problem ("me too"): counted once per supporter, by the id's hash.

    Never the raw supporter id: only its hash travels and is stored, like a tracking token's."""

    type: Literal["report.me_too"] = "report.me_too"
    supporter_hash: str


class PushKeys(BaseModel):
    """A browser's PushSubscription keys (base64url), as ``PushSubscription.toJSON()`` gives them."""

    model_config = ConfigDict(frozen=True)

    p256dh: str
    auth: str


class SubscribePush(_Command):
    """The reporter asks for a push notification on every status change of their report.

    The worker stores it only if ``tracking_token_hash`` matches the report's."""

    type: Literal["push.subscribe"] = "push.subscribe"
    tracking_token_hash: str
    endpoint: str
    keys: PushKeys
    language: str = "id"


class SubscribeSupporterPush(_Command):
    """A supporter asks for a push on the report's public changes (status, merge).

    The API accepts it only after the supporter's "me too" was accepted; the worker applies that
    "me too" too if it has not yet (the two commands may reach different workers in either
    order), so a subscription never waits on, nor is lost to, the order they are applied in."""

    type: Literal["push.subscribe_supporter"] = "push.subscribe_supporter"
    supporter_hash: str
    endpoint: str
    keys: PushKeys
    language: str = "id"


class SubscribeStaffPush(_BaseCommand):
    """A staff member asks for pushes about new emergencies and about reports assigned to them."""

    type: Literal["push.subscribe_staff"] = "push.subscribe_staff"
    user_id: int
    endpoint: str
    keys: PushKeys
    language: str = "id"
    emergencies: bool = True
    assigned: bool = True


class Unsubscribe(_BaseCommand):
    """A browser turns notifications off: every subscription with this endpoint goes."""

    type: Literal["push.unsubscribe"] = "push.unsubscribe"
    endpoint: str


class ImportPlaces(_BaseCommand):
    """Rooms (and their buildings) added or updated by code, all or none; never deleted.

    From ``lapor places import`` and the places page; the worker checks every row again and
    writes nothing if one is bad. Its result waits for the sender in Redis (``keys.command_result``)."""

    type: Literal["places.import"] = "places.import"
    actor: Actor
    rows: list[PlaceRow]


class _AdminCommand(_BaseCommand):
    """A change to the office's own set-up, recorded in the audit log with who asked for it."""

    actor: Actor


class InviteUser(_AdminCommand):
    """A new staff account without a password, and the one-time link (its hash) to choose one."""

    type: Literal["user.invite"] = "user.invite"
    username: str
    display_name: str
    role: Role
    token_hash: str
    expires_at: datetime


class ChangeUser(_AdminCommand):
    """An admin changes a staff member's role, name or whether the account is active."""

    type: Literal["user.change"] = "user.change"
    user_id: int
    role: Role | None = None
    display_name: str | None = None
    active: bool | None = None


class ResetUser(_AdminCommand):
    """A new one-time link for an existing account; older unused links of theirs stop working."""

    type: Literal["user.reset"] = "user.reset"
    user_id: int
    token_hash: str
    expires_at: datetime


class AcceptInvitation(_BaseCommand):
    """A staff member chose their password through a one-time link (hashed by the API already)."""

    type: Literal["user.accept"] = "user.accept"
    token_hash: str
    password_hash: str


class SetPassword(_AdminCommand):
    """A staff member changed their own password (hashed by the API already)."""

    type: Literal["user.password"] = "user.password"
    user_id: int
    password_hash: str


class SaveCategory(_AdminCommand):
    """Create a category (``create``) or change one; a field left None stays as it is."""

    type: Literal["category.save"] = "category.save"
    slug: str
    create: bool = False
    name_id: str | None = None
    name_en: str | None = None
    default_priority: Priority | None = None
    position: int | None = None
    active: bool | None = None
    never_public: bool | None = None  # its reports stay off every public view


AccountCommand = InviteUser | ChangeUser | ResetUser | AcceptInvitation | SetPassword | SaveCategory
AnyCommand = (
    CreateReport
    | UpdateReport
    | ImportLegacyReport
    | MergeReport
    | HideReport
    | AddComment
    | SupportReport
    | SubscribePush
    | SubscribeSupporterPush
    | SubscribeStaffPush
    | Unsubscribe
    | ImportPlaces
    | AccountCommand
)
Command = Annotated[AnyCommand, Field(discriminator="type")]
command_adapter: TypeAdapter[Command] = TypeAdapter(Command)


def encode_command(command: AnyCommand) -> str:
    return command.model_dump_json()


def decode_command(raw: str | bytes) -> AnyCommand:
    return command_adapter.validate_json(raw)


def report_of(command: AnyCommand) -> str | None:
    """The report a command is about; None for one about a person's browser."""
    return command.report_id if isinstance(command, _Command) else None

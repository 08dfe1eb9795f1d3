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


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str = Field(default_factory=new_id)
    report_id: str
    issued_at: datetime = Field(default_factory=utcnow)


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


class UpdateReport(_Command):
    type: Literal["report.update"] = "report.update"
    actor: Actor
    status: Status | None = None
    priority: Priority | None = None
    assignee: str | None = None  # a staff username; "" unassigns
    note: str | None = None


class AddComment(_Command):
    type: Literal["report.comment"] = "report.comment"
    actor: Actor
    body: str


Command = Annotated[CreateReport | UpdateReport | AddComment, Field(discriminator="type")]
command_adapter: TypeAdapter[Command] = TypeAdapter(Command)


def encode_command(command: CreateReport | UpdateReport | AddComment) -> str:
    return command.model_dump_json()


def decode_command(raw: str | bytes) -> CreateReport | UpdateReport | AddComment:
    return command_adapter.validate_json(raw)

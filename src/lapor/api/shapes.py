"""Request and answer shapes that several route modules share (routes import nothing from each other)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header
from pydantic import BaseModel

from lapor.services import intake

TRIMMED = "Text is stripped of surrounding whitespace before its length is checked."

SUBMIT_CONTENT_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "application/json")


class CommandAccepted(BaseModel):
    command_id: str


IDEMPOTENCY_DESCRIPTION = "A repeat with the same key gets the first answer and creates nothing"
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description=IDEMPOTENCY_DESCRIPTION,
        # Documented here, checked by the intake (after the fields) with a message of its own.
        json_schema_extra={"pattern": intake.IDEMPOTENCY_KEY_PATTERN},
    ),
]


TrackingTokenHeader = Annotated[
    str | None,
    Header(
        alias="X-Tracking-Token",
        max_length=200,
        description="The report's tracking token: its reporter's view (photos, timeline, comments)",
    ),
]

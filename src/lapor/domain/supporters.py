"""The random id a browser makes once and keeps, to say "me too" and to follow a report.

It is no account and proves nothing but "the same browser as before": one person counts once
per report. Only its hash is stored, like a tracking token's."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MIN_BYTES = 16
MAX_BYTES = 64
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
SUPPORTER_ERROR = "supporter_format"


def check_supporter(value: str) -> str:
    """``value`` if it is base64url of 16 to 64 bytes, else a 422 naming what is wrong."""
    if not _BASE64URL.fullmatch(value):
        raise PydanticCustomError(SUPPORTER_ERROR, "supporter must be base64url of at least 16 random bytes")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise PydanticCustomError(
            SUPPORTER_ERROR, "supporter must be base64url of at least 16 random bytes"
        ) from None
    if not MIN_BYTES <= len(raw) <= MAX_BYTES:
        raise PydanticCustomError(SUPPORTER_ERROR, "supporter must be base64url of 16 to 64 random bytes")
    return value


SupporterId = Annotated[str, AfterValidator(check_supporter)]


def supporter_hash(supporter: str) -> str:
    """What is stored of a supporter id: its SHA-256, hex."""
    return hashlib.sha256(supporter.encode("ascii")).hexdigest()

"""Redis stream ids (``<milliseconds>-<sequence>``) compared as numbers, not as text."""

from __future__ import annotations

import re

# Both parts are unsigned 64-bit integers, in ASCII digits; the sequence may be left out.
STREAM_ID_PATTERN = r"^[0-9]{1,20}(-[0-9]{1,20})?$"
_STREAM_ID = re.compile(STREAM_ID_PATTERN)
_MAX_PART = 2**64 - 1


def stream_id_key(stream_id: str) -> tuple[int, int]:
    millis, _, seq = stream_id.partition("-")
    return int(millis), int(seq or 0)


def is_stream_id(value: str) -> bool:
    """Whether Redis takes ``value`` as a stream id (``int()`` alone lets ``+1``, ``1_0``, ``٣`` through)."""
    if not _STREAM_ID.fullmatch(value):
        return False
    millis, seq = stream_id_key(value)
    return millis <= _MAX_PART and seq <= _MAX_PART

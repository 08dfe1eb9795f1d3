"""Redis stream ids (``<milliseconds>-<sequence>``) compared as numbers, not as text."""

from __future__ import annotations


def stream_id_key(stream_id: str) -> tuple[int, int]:
    millis, _, seq = stream_id.partition("-")
    return int(millis), int(seq or 0)


def is_stream_id(value: str) -> bool:
    try:
        stream_id_key(value)
    except ValueError:
        return False
    return True

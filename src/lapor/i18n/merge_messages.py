"""Messages of merging duplicates and hiding reports, and the ``duplicate`` status."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "student.status.duplicate": {"id": "Duplikat", "en": "Duplicate"},
    "staff.status.duplicate": {"id": "Duplikat", "en": "Duplicate"},
}

"""Messages of merging duplicates and hiding reports, and the ``duplicate`` status."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "student.status.duplicate": {"id": "Duplikat", "en": "Duplicate"},
    "staff.status.duplicate": {"id": "Duplikat", "en": "Duplicate"},
    "staff.action.duplicate": {"id": "Gabungkan sebagai duplikat", "en": "Merge as a duplicate"},
    "student.status_hint.duplicate": {
        "id": "Digabung dengan laporan lain tentang masalah yang sama",
        "en": "Merged with another report of the same problem",
    },
}

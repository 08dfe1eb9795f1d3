"""Texts of the pages students see (and of the layout every page shares: `site.*`)."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {
    "site.name": {"id": "Lapor Kampus", "en": "Lapor Kampus"},
    "site.language": {"id": "Bahasa", "en": "Language"},
}

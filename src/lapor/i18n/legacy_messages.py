"""Messages of the original project's API and pages (routes/legacy.py, ``lapor import-seed``)."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {}

"""Texts of the staff pages: sign-in, dashboard, report detail, system."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {}

"""Messages of "me too": the button, the "already reported?" step, its errors."""

from __future__ import annotations

from lapor.i18n.types import Language

MESSAGES: dict[str, dict[Language, str]] = {}

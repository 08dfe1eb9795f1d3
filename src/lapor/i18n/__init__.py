"""The one message catalogue: every user-facing string, Indonesian first, English second.

The catalogue is split by area into modules of plain dicts (so that people can work on the API's
errors and the pages' texts without touching the same file); they are merged here, once.
"""

from __future__ import annotations

from lapor.i18n import api_messages, push_messages, staff_messages, student_messages
from lapor.i18n.types import DEFAULT_LANGUAGE, LANGUAGES, Language

MESSAGES: dict[str, dict[Language, str]] = {}
for _part in (
    api_messages.MESSAGES,
    student_messages.MESSAGES,
    staff_messages.MESSAGES,
    push_messages.MESSAGES,
):
    _clash = MESSAGES.keys() & _part.keys()
    if _clash:
        raise RuntimeError(f"message keys defined twice: {sorted(_clash)}")
    MESSAGES.update(_part)

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "MESSAGES", "Language", "negotiate", "translate"]


def translate(key: str, language: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The message for ``key`` in ``language``; an unknown key is returned as it is."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    template = entry.get(language if language in LANGUAGES else DEFAULT_LANGUAGE, entry[DEFAULT_LANGUAGE])
    return template.format(**params) if params else template


def negotiate(accept_language: str | None, preferred: str | None = None) -> Language:
    """The user's language: an explicit choice first, then the browser's header, then Indonesian."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE

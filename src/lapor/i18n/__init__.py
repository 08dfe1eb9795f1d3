"""The one message catalogue: every user-facing string, Indonesian first, English second.

The catalogue is split by area into modules of plain dicts (so that people can work on the API's
errors and the pages' texts without touching the same file); they are merged here, once.
"""

from __future__ import annotations

from babel.core import negotiate_locale

from lapor.i18n import (
    api_messages,
    legacy_messages,
    merge_messages,
    office_messages,
    places_messages,
    push_messages,
    staff_messages,
    student_messages,
    support_messages,
)
from lapor.i18n.types import DEFAULT_LANGUAGE, LANGUAGES, Language

MESSAGES: dict[str, dict[Language, str]] = {}
for _part in (
    api_messages.MESSAGES,
    student_messages.MESSAGES,
    staff_messages.MESSAGES,
    push_messages.MESSAGES,
    places_messages.MESSAGES,
    office_messages.MESSAGES,
    support_messages.MESSAGES,
    merge_messages.MESSAGES,
    legacy_messages.MESSAGES,
):
    _clash = MESSAGES.keys() & _part.keys()
    if _clash:
        raise RuntimeError(f"message keys defined twice: {sorted(_clash)}")
    MESSAGES.update(_part)

# A browser sends a handful of ranges; a header with thousands is not worth sorting.
_MAX_RANGES = 32

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "MESSAGES", "Language", "negotiate", "translate"]


def translate(key: str, language: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The message for ``key`` in ``language``; an unknown key is returned as it is."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    template = entry.get(language if language in LANGUAGES else DEFAULT_LANGUAGE, entry[DEFAULT_LANGUAGE])
    return template.format(**params) if params else template


def negotiate(accept_language: str | None, preferred: str | None = None) -> Language:
    """The user's language: an explicit choice first, then the browser's header, then Indonesian.

    The header's ranges are tried in the order of their q-values (``en;q=0.1, id;q=0.9`` is
    Indonesian); Babel matches each range to our languages (``en-GB`` is English).
    """
    if preferred in LANGUAGES:
        return preferred
    ranked = _ranked_ranges(accept_language or "")
    match = negotiate_locale(ranked, LANGUAGES, sep="-", aliases={}) if ranked else None
    chosen = (match or "").lower()
    return next((language for language in LANGUAGES if language == chosen), DEFAULT_LANGUAGE)


def _ranked_ranges(header: str) -> list[str]:
    """An Accept-Language header's ranges, highest q-value first (ties keep their order, RFC 9110).

    A range with q=0 is refused, a malformed q-value leaves its range out, and ``*`` says nothing
    about which of our languages to pick, so the default applies.
    """
    weighted: list[tuple[float, str]] = []
    for part in header.split(",")[:_MAX_RANGES]:
        tag, _, params = part.partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if 0.0 < quality <= 1.0:
            weighted.append((quality, tag))
    weighted.sort(key=lambda item: -item[0])  # sort() is stable: equal weights keep header order
    return [tag for _, tag in weighted]

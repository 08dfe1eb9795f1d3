"""Links for a reporter's contact on the staff pages: only from a value that parses cleanly.

Contacts are free text ("WA 0812…", "Line @sari"). A link is built only when the whole value is
an e-mail address or an Indonesian phone number, and only from the parsed parts, never by
pasting the text into a URL: ``x@y.z?bcc=…`` would otherwise become a ``mailto:`` that adds a
hidden recipient and a subject. Anything else is shown as plain (escaped) text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

# Stricter than RFC 5322 on purpose: the characters real campus addresses use, and nothing
# that means something in a URL ("?", "&", "%", "#"), so no parameter can ride along.
_LOCAL = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LEVEL = re.compile(r"[A-Za-z]{2,63}")
# Digits and the separators people type between them; "+" only in front.
_PHONE = re.compile(r"\+?[0-9(][0-9 ().-]*")


@dataclass(frozen=True, slots=True)
class ContactLink:
    kind: str  # "email", "phone" or "whatsapp"
    href: str


def parse_email(value: str) -> tuple[str, str] | None:
    """(local part, domain) of a plain e-mail address, or None."""
    local, at, domain = value.rpartition("@")
    if not at or len(local) > 64 or len(domain) > 253 or not _LOCAL.fullmatch(local):
        return None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if not _TOP_LEVEL.fullmatch(labels[-1]):
        return None
    return local, domain.lower()


def parse_phone(value: str) -> str | None:
    """The national significant number of an Indonesian phone number (08…, +62…, 62…), or None."""
    if not _PHONE.fullmatch(value):
        return None
    digits = re.sub(r"\D", "", value)
    if digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0") and not value.startswith("+"):
        national = digits[1:]
    else:
        return None
    if not re.fullmatch(r"[1-9][0-9]{7,11}", national):
        return None
    return national


def contact_links(contact: str | None) -> list[ContactLink]:
    """The links to offer for this contact: mailto: for an address; tel: for a phone number, and
    WhatsApp (wa.me) too for a mobile one (national numbers starting with 8); none otherwise."""
    value = (contact or "").strip()
    email = parse_email(value)
    if email is not None:
        local, domain = email
        return [ContactLink("email", f"mailto:{quote(local, safe='+')}@{domain}")]
    national = parse_phone(value)
    if national is None:
        return []
    links = [ContactLink("phone", f"tel:+62{national}")]
    if national.startswith("8"):
        links.append(ContactLink("whatsapp", f"https://wa.me/62{national}"))
    return links

"""Rules for staff accounts and categories: the password rule, one-time link tokens, slugs.

Pure: no I/O. The API checks these before it sends a command; the worker trusts the command.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

INVITATION_LIFETIME = timedelta(hours=48)  # the rule: a link is handed over within two days

MIN_PASSWORD_LENGTH = 10  # NIST SP 800-63B asks for at least 8; a passphrase is easy at 10
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this only bounds the work of one request
MIN_DISTINCT_CHARACTERS = 5  # refuses "aaaaaaaaaa" and "1212121212"

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"


def password_problem(password: str, *, username: str = "") -> str | None:
    """The catalogue key saying why this password is refused, or None when it is good enough.

    The rule (NIST SP 800-63B, no composition rules): at least ``MIN_PASSWORD_LENGTH``
    characters, at least ``MIN_DISTINCT_CHARACTERS`` different ones, and not the username.
    """
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        return "account.password_length"
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return "account.password_repetitive"
    if username and username.lower() in password.lower():
        return "account.password_username"
    return None


def new_link_token() -> str:
    """A random one-time link token (256 bits, base64url)."""
    return secrets.token_urlsafe(32)


def hash_link_token(token: str) -> str:
    """What the database keeps of a link token: a fast hash is enough for 256 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_expiry(now: datetime) -> datetime:
    return now + INVITATION_LIFETIME


def is_username(value: str) -> bool:
    return re.fullmatch(USERNAME_PATTERN, value) is not None


def removes_last_admin(
    current_role: str, current_active: bool, *, role: str | None, active: bool | None, admins: int
) -> bool:
    """Whether this change leaves no active admin (nobody could manage the office any more)."""
    if current_role != "admin" or not current_active:
        return False
    demoted = role is not None and role != "admin"
    return (demoted or active is False) and admins <= 1

"""Signed, expiring staff access tokens (itsdangerous): stateless, so any API process checks them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "lapor.staff-token.v1"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    # A password change bumps this, so tokens issued before it stop working.
    password_fingerprint: str
    # Used only while the database cannot be asked (staff keep working through an outage).
    role: str
    display_name: str


class InvalidToken(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue_token(secret_key: str, claims: TokenClaims) -> str:
    return _serializer(secret_key).dumps(
        [claims.user_id, claims.password_fingerprint, claims.role, claims.display_name]
    )


def read_token(secret_key: str, token: str, *, max_age: int) -> TokenClaims:
    try:
        user_id, fingerprint, role, display_name = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidToken(expired=True) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise InvalidToken(expired=False) from exc
    if not (isinstance(user_id, int) and all(isinstance(v, str) for v in (fingerprint, role, display_name))):
        raise InvalidToken(expired=False)
    return TokenClaims(user_id, fingerprint, role, display_name)


def password_fingerprint(password_hash: str) -> str:
    """A short, non-reversible marker of the current password hash."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]

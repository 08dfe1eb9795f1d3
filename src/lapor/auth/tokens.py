"""Signed, expiring staff access tokens (itsdangerous): stateless, so any API process checks them.

Each token carries a random id (``jti``) and the time it was issued, so that one token can be
revoked (sign out) and every token issued before a moment can be refused (sign out everywhere):
see ``lapor.auth.revocation``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# v2: tokens carry a jti and their issue time; v1 tokens (without them) could not be revoked.
_SALT = "lapor.staff-token.v2"


def _new_token_id() -> str:
    return secrets.token_urlsafe(16)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    # A password change bumps this, so tokens issued before it stop working.
    password_fingerprint: str
    # Used only while the database cannot be asked (staff keep working through an outage).
    role: str
    display_name: str
    # The token's own id: what a sign-out revokes.
    token_id: str = field(default_factory=_new_token_id)
    # Milliseconds since the epoch (itsdangerous' own timestamp has whole seconds only, too
    # coarse to tell a token issued just after "sign out everywhere" from one just before).
    issued_at_ms: int = field(default_factory=_now_ms)

    def expires_at(self, max_age: int) -> float:
        """When this token stops being accepted, in seconds since the epoch."""
        return self.issued_at_ms / 1000 + max_age


class InvalidToken(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue_token(secret_key: str, claims: TokenClaims) -> str:
    return _serializer(secret_key).dumps(
        [
            claims.user_id,
            claims.password_fingerprint,
            claims.role,
            claims.display_name,
            claims.token_id,
            claims.issued_at_ms,
        ]
    )


def read_token(secret_key: str, token: str, *, max_age: int) -> TokenClaims:
    """The claims of a token signed with this key and younger than ``max_age`` seconds."""
    try:
        values = _serializer(secret_key).loads(token, max_age=max_age)
        user_id, fingerprint, role, display_name, token_id, issued_at_ms = values
    except SignatureExpired as exc:
        raise InvalidToken(expired=True) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise InvalidToken(expired=False) from exc
    texts = (fingerprint, role, display_name, token_id)
    if not (
        isinstance(user_id, int)
        and isinstance(issued_at_ms, int)
        and all(isinstance(v, str) for v in texts)
        and token_id
    ):
        raise InvalidToken(expired=False)
    return TokenClaims(user_id, fingerprint, role, display_name, token_id, issued_at_ms)


def password_fingerprint(password_hash: str) -> str:
    """A short, non-reversible marker of the current password hash."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]

"""Cookie sessions for staff and CSRF tokens for every form.

CSRF: each browser gets a random ``lapor_csrf`` cookie (HttpOnly); forms carry an HMAC of it
(``csrf_token`` field, or the ``X-CSRF-Token`` header for scripts). A page from another site
can neither read the cookie nor compute the HMAC, so it cannot forge a valid request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from lapor.auth.tokens import TokenClaims, issue_token, password_fingerprint
from lapor.config import Settings
from lapor.store.models import User

SESSION_COOKIE = "lapor_session"
CSRF_COOKIE = "lapor_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_seed(request: Request) -> str:
    """This browser's CSRF seed (new if it has none yet; ``ensure_csrf_cookie`` stores it)."""
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or len(seed) != 43:
        seed = request.state.__dict__.setdefault("new_csrf_seed", secrets.token_urlsafe(32))
    return seed


def csrf_token(request: Request, settings: Settings) -> str:
    message = b"csrf:" + csrf_seed(request).encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def csrf_valid(request: Request, settings: Settings, submitted: str | None) -> bool:
    if not submitted or CSRF_COOKIE not in request.cookies:
        return False
    return hmac.compare_digest(submitted, csrf_token(request, settings))


def ensure_csrf_cookie(request: Request, response: Response) -> None:
    seed = request.state.__dict__.get("new_csrf_seed")
    if seed:
        response.set_cookie(
            CSRF_COOKIE, seed, httponly=True, samesite="lax", secure=_secure(request), max_age=30 * 24 * 3600
        )


def start_session(request: Request, response: Response, user: User, settings: Settings) -> None:
    claims = TokenClaims(user.id, password_fingerprint(user.password_hash), user.role, user.display_name)
    response.set_cookie(
        SESSION_COOKIE,
        issue_token(settings.secret_key, claims),
        max_age=settings.token_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)

"""Cookie sessions for staff, CSRF tokens for every form, and the same-origin check.

CSRF: with a staff session, a form's token (``csrf_token`` field, or the ``X-CSRF-Token`` header
for scripts) is an HMAC of the session token's id (its ``jti``): it is worth nothing with another
session, and a new sign-in makes the old page's tokens useless. Without a session (the student's
form, the sign-in form), it is an HMAC of a random ``lapor_csrf`` cookie (HttpOnly). A page from
another site can neither read the cookies nor compute the HMAC, so it cannot forge a request.

Requests that the session cookie authenticates and that change something are also refused when
the browser says they come from another site (``Origin``, ``Sec-Fetch-Site``); a bearer token,
a tracking token or an API key is not sent by a browser on its own, so those are not checked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from lapor.auth.tokens import InvalidToken, TokenClaims, issue_token, password_fingerprint, read_token
from lapor.config import Settings
from lapor.store.models import User

SESSION_COOKIE = "lapor_session"
CSRF_COOKIE = "lapor_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def session_claims(request: Request, settings: Settings) -> TokenClaims | None:
    """The claims of the request's session cookie if its signature holds and it has not expired
    (whether it was revoked is the caller's question: that needs Redis)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token is None:
        return None
    try:
        return read_token(settings.signing_key, token, max_age=settings.token_max_age_seconds)
    except InvalidToken:
        return None


def csrf_seed(request: Request) -> str:
    """This browser's CSRF seed (new if it has none yet; ``ensure_csrf_cookie`` stores it)."""
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or len(seed) != 43:
        seed = request.state.__dict__.setdefault("new_csrf_seed", secrets.token_urlsafe(32))
    return seed


def csrf_token(request: Request, settings: Settings) -> str:
    """The token this request's forms carry: bound to the session if there is one."""
    claims = session_claims(request, settings)
    if claims is not None:
        message = b"csrf:session:" + claims.token_id.encode()
    else:
        message = b"csrf:" + csrf_seed(request).encode()
    return hmac.new(settings.signing_key.encode(), message, hashlib.sha256).hexdigest()


def csrf_valid(request: Request, settings: Settings, submitted: str | None) -> bool:
    if not submitted:
        return False
    if SESSION_COOKIE not in request.cookies and CSRF_COOKIE not in request.cookies:
        return False  # a token made for a seed this browser does not hold
    return hmac.compare_digest(submitted, csrf_token(request, settings))


def _origin_host(value: str) -> str | None:
    parts = urlsplit(value)
    return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else None


def cross_site(request: Request) -> bool:
    """Whether the browser says this request was made by a page of another site.

    ``Sec-Fetch-Site: cross-site`` is the browser's own verdict; ``Origin`` is compared with the
    host the request was sent to (host and port only: behind a proxy that ends TLS the scheme the
    app sees may differ from the page's). A request without either header (curl, old browsers)
    is not refused here: the CSRF token still is required.
    """
    site = request.headers.get("sec-fetch-site", "").lower()
    if site == "cross-site":
        return True
    if site == "same-origin":
        # Trusted over Origin, which is "null" on a form that a page with Referrer-Policy:
        # no-referrer posts through a service worker (Chromium), though it is our own page.
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return _origin_host(origin) != request.headers.get("host", "").lower()


def same_origin(request: Request) -> bool:
    """Whether the browser positively says this request comes from one of our own pages."""
    if request.headers.get("sec-fetch-site", "").lower() == "same-origin":
        return True
    origin = request.headers.get("origin")
    return origin is not None and not cross_site(request)


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
        issue_token(settings.signing_key, claims),
        max_age=settings.token_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)

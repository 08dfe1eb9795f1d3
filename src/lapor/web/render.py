"""Rendering pages: one Jinja2 environment (autoescaped), the catalogue as ``t()``, page headers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from lapor.config import Settings
from lapor.http.errors import language_of
from lapor.http.security import CSRF_FIELD, csrf_token, ensure_csrf_cookie
from lapor.i18n import translate

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# Scripts and styles only from our own origin: no inline script can run, even if some text
# slipped past escaping. Photos may be previewed from blob: URLs before they are sent.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """A page in the visitor's language, with a CSRF token for its forms and strict headers."""
    settings: Settings = request.app.state.settings
    language = language_of(request)

    def t(key: str, **params: object) -> str:
        return translate(key, language, **params)

    values = {
        "request": request,
        "lang": language,
        "t": t,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request, settings),
        "path": request.url.path,
        "query": request.url.query,
        "now": datetime.now(UTC),
        **(context or {}),
    }
    html = _environment.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept-Language, Cookie"
    ensure_csrf_cookie(request, response)
    return response

"""What makes the site an installable web app: the service worker and the manifest."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from lapor.http.deps import LanguageDep
from lapor.i18n import translate
from lapor.web.render import STATIC

router = APIRouter(include_in_schema=False)

THEME_COLOR = "#0b3d5c"
# A service worker runs under its own script's CSP: it must be allowed to load the icons of the
# notifications it shows (the API's default, default-src 'none', would block them).
SERVICE_WORKER_CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"


@router.get("/sw.js")
async def service_worker() -> Response:
    """Served from the root, so it may control (and show pushes for) every page of the site."""
    return FileResponse(
        STATIC / "sw.js",
        media_type="text/javascript",
        # Browsers check for a new service worker on navigation; never serve them a stale one.
        headers={
            "Cache-Control": "no-cache",
            "Service-Worker-Allowed": "/",
            "Content-Security-Policy": SERVICE_WORKER_CSP,
        },
    )


@router.get("/manifest.webmanifest")
async def manifest(language: LanguageDep) -> Response:
    icons = [
        {"src": "/static/img/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/img/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/img/icon-maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": "/static/img/icon.svg", "sizes": "any", "type": "image/svg+xml"},
    ]
    body = {
        "id": "/",
        "name": translate("site.name", language),
        "short_name": translate("site.name", language),
        "description": translate("site.tagline", language),
        "lang": language,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": icons,
    }
    return JSONResponse(
        body,
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache", "Vary": "Accept-Language, Cookie"},
    )

"""The app as `lapor api` serves it under granian: X-Forwarded-For honoured from trusted proxies only."""

from __future__ import annotations

from granian.utils.proxies import wrap_asgi_with_proxy_headers
from starlette.types import ASGIApp

from lapor.app import create_app
from lapor.config import Settings
from lapor.runtime import freeze_startup_heap


def create_served_app() -> ASGIApp:
    """Called by each granian worker process (``factory=True``)."""
    settings = Settings()
    # Like uvicorn's proxy_headers: the client address and scheme come from X-Forwarded-For and
    # X-Forwarded-Proto only when the connection comes from LAPOR_FORWARDED_ALLOW_IPS.
    app: ASGIApp = wrap_asgi_with_proxy_headers(create_app(settings), settings.forwarded_allow_ips)
    freeze_startup_heap()
    return app

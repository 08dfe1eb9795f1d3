"""Pure ASGI middleware: body limit, security headers, request metrics. Cheap on the hot path."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lapor.http.raw_answers import send_error
from lapor.http.slow_clients import DISCARD_LIMIT_BYTES, discard_body
from lapor.i18n import negotiate, translate


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuse a body over ``max_bytes`` with 413 before it is read into memory.

    A declared Content-Length is checked before the app runs; a chunked body is counted as it
    streams in and cut off at the limit. Up to ``DISCARD_LIMIT_BYTES`` more of the body are read
    and dropped before the 413 goes out, so that a client still sending reads it (not a reset).
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
                break
        if declared is not None:
            if not declared.isdigit():
                await self._refuse(scope, send)
                return
            if int(declared) > self.max_bytes:
                if int(declared) <= self.max_bytes + DISCARD_LIMIT_BYTES:
                    await discard_body(receive)
                await self._refuse(scope, send)
                return
            # HTTP/1.1 framing: the server delivers exactly Content-Length bytes, no more, so
            # there is nothing left to count (and no wrappers on the hot path).
            await self.app(scope, receive, send)
            return
        received = 0
        too_large = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if not too_large:
                await send(message)
            elif not refused and message["type"] == "http.response.start":
                # The app turned our cut-off into an error of its own (a parser's 400): answer 413.
                refused = True
                await discard_body(receive)
                await self._refuse(scope, send)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not refused:
                await discard_body(receive)
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        headers = dict(scope["headers"])
        lang = negotiate(headers.get(b"accept-language", b"").decode("latin-1"), _cookie(headers, "lang"))
        max_mb = round(self.max_bytes / (1024 * 1024))
        message = translate("error.too_large", lang, max_mb=max_mb)
        await send_error(send, status=413, code="payload_too_large", message=message)


def _cookie(headers: dict[bytes, bytes], name: str) -> str | None:
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # a tracking link must never leak to another site
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]


class SecurityHeadersMiddleware:
    """Defaults for every response; a route that renders pages may set its own CSP instead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


# Every label value comes from a closed set: a label per invented method or raw path would grow
# /metrics (and this process) without bound, one series per hostile request.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in HTTP_METHODS else "other"


def route_label(scope: Scope) -> str:
    """The matched route's template (``/api/reports/{report_id}``), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def status_label(status: int) -> str:
    return str(status) if 100 <= status <= 599 else "other"


class MetricsMiddleware:
    """Counts requests and their duration per route template, and the open event streams.

    Under ``lapor api`` the values live in files shared by its processes (prometheus_client's
    multiprocess mode), so one scrape sees them all: see ``lapor.http.metrics``.
    """

    def __init__(self, app: ASGIApp, *, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "lapor_http_requests",
            "HTTP requests answered",
            ["method", "endpoint", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "lapor_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "endpoint"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self.streams = Gauge(
            "lapor_sse_connections",
            "Open event streams, all API processes",
            registry=registry,
            multiprocess_mode="livesum",  # a process that is gone holds none open
        )
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        streaming = False

        async def tracking_send(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                streaming = any(
                    name == b"content-type" and value.startswith(b"text/event-stream")
                    for name, value in message.get("headers", [])
                )
                if streaming:
                    self.streams.inc()
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            if streaming:
                self.streams.dec()
            key = (method_label(scope["method"]), route_label(scope), status_label(status))
            children = self._children.get(key)
            if children is None:  # labels() takes a lock and builds its key on every call
                children = (self.requests.labels(*key), self.duration.labels(*key[:2]))
                self._children[key] = children
            children[0].inc()
            if not streaming:  # an event stream's lifetime is not a response time
                children[1].observe(time.perf_counter() - start)

"""Refusals of the original project's ``POST /api/lapor`` as one line of text.

The original student page never checks ``res.ok``: any JSON answer is taken as success, so a
422 showed "ID: undefined" and polled ``/api/lapor/undefined`` for ever. It alerts only when
``res.json()`` fails. So unless ``Accept`` names ``application/json``, every non-2xx answer to that
route, the middleware's own (413, 408) and the limits' (429, 503) included, is sent as
``text/plain`` with the error's message, in the language it was already written in.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PLAIN_PATHS = frozenset({"/api/lapor"})
# OpenAPI: beside the JSON error FastAPI documents from the model.
PLAIN_ERROR_CONTENT: dict[str, Any] = {
    "text/plain": {
        "schema": {
            "type": "string",
            "description": "The error's message, unless Accept names application/json",
        }
    },
}
_DROPPED = frozenset({b"content-type", b"content-length"})


def names_json(accept: str) -> bool:
    """Whether an ``Accept`` header names ``application/json`` (with a q-value above 0)."""
    for part in accept.split(",")[:32]:
        media, _, params = part.partition(";")
        if media.strip().lower() != "application/json":
            continue
        quality = "1"
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                quality = value.strip()
        try:
            return float(quality) > 0
        except ValueError:
            return False
    return False


def message_of(body: bytes) -> str:
    """The person-readable message of an error answer (the app's JSON shape, or text as it is)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        message = parsed["error"].get("message")
        if isinstance(message, str):
            return message
    return body.decode("utf-8", "replace").strip()


class PlainErrorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in PLAIN_PATHS:
            await self.app(scope, receive, send)
            return
        accept = b",".join(value for name, value in scope["headers"] if name == b"accept")
        if names_json(accept.decode("latin-1")):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def as_text(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if 200 <= message["status"] < 300:
                    await send(message)
                else:
                    start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            text = (message_of(b"".join(chunks)) + "\n").encode()
            headers = [(n, v) for n, v in start.get("headers", []) if n.lower() not in _DROPPED]
            headers += [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(text)).encode()),
                (b"vary", b"Accept"),
            ]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": text})

        await self.app(scope, receive, as_text)

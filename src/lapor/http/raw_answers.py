"""Answers sent straight through ASGI by middleware that runs before (or instead of) the app."""

from __future__ import annotations

import json

from starlette.types import Send


async def send_error(send: Send, *, status: int, code: str, message: str) -> None:
    """A JSON error in the app's shape (``{"error": {"code", "message"}}``), closing the
    connection: the middleware that sends it has not read, or will not read, the rest."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

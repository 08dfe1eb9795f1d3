"""Slow clients: a body that trickles in is cut off with 408; a refused body is drained first.

granian times out slow *headers* (``LAPOR_HTTP_HEADER_TIMEOUT_SECONDS``, passed by ``lapor api``)
but has no timeout for a body, so a client sending one byte a second would hold a request, its
memory and a connection for as long as it likes. The rule here is Apache's ``mod_reqtimeout``
(``body=20,MinRate=500``): the body must start arriving within ``timeout_seconds``, and every
``min_rate_bytes`` received extend that deadline by one second. A phone uploading a 10 MB photo at
1 Mbit/s earns 250 s of extension per second and is never cut off; a client trickling 1 byte/s
gets 408 after about ``timeout_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lapor.http.errors import language_of
from lapor.http.raw_answers import send_error
from lapor.i18n import translate

log = logging.getLogger("lapor.api")

# What is read and thrown away of a body refused as too large before the 413 is sent: a client
# that is still sending when the server closes the connection gets a reset (a "broken pipe") and
# never reads the answer. Enough for the usual mistake (a phone photo of 12-25 MB against a 10 MB
# limit); a larger body gets the 413 at once and, most likely, a reset with it (docs/api.md).
DISCARD_LIMIT_BYTES = 16 * 1024 * 1024
# A drain never outlasts this, whatever the body's pace (the body deadline usually ends it first).
_DISCARD_SECONDS = 30.0


class BodyTimedOut(Exception):
    """The body did not arrive in time; raised from ``receive`` into the app."""


class SlowBodyMiddleware:
    """Fail a request whose body does not arrive fast enough with 408 (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, timeout_seconds: float, min_rate_bytes: int) -> None:
        self.app = app
        self.timeout_seconds = timeout_seconds
        self.min_rate_bytes = min_rate_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)  # nothing to wait for: no wrapper on the hot path
            return
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        complete = False  # the whole body is in: later receives wait for a disconnect, untimed
        timed_out = False
        answered = False

        async def timed_receive() -> Message:
            nonlocal deadline, complete, timed_out
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                timed_out = True
                raise BodyTimedOut from None
            if message["type"] == "http.request":
                deadline += len(message.get("body", b"")) / self.min_rate_bytes
                complete = not message.get("more_body", False)
            else:  # http.disconnect
                complete = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if not timed_out:
                await send(message)
            elif not answered and message["type"] == "http.response.start":
                # The app turned our cut-off into an error of its own (a parser's 400): answer 408.
                answered = True
                await _request_timeout(scope, send)

        try:
            await self.app(scope, timed_receive, guarded_send)
        except BodyTimedOut:
            if not answered:
                await _request_timeout(scope, send)


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


async def _request_timeout(scope: Scope, send: Send) -> None:
    request = Request(scope)
    log.info("request body too slow on %s %s: answered 408", request.method, request.url.path)
    message = translate("error.request_timeout", language_of(request))
    await send_error(send, status=408, code="request_timeout", message=message)


async def discard_body(receive: Receive, *, limit: int = DISCARD_LIMIT_BYTES) -> None:
    """Read and drop up to ``limit`` bytes of a body the app will not use, so that the client,
    which is still sending, reads the answer instead of a reset connection.

    Bounded in bytes and in time; a body that arrives too slowly (``BodyTimedOut``) ends it.
    """
    discarded = 0
    with contextlib.suppress(BodyTimedOut, TimeoutError):
        async with asyncio.timeout(_DISCARD_SECONDS):
            while discarded <= limit:
                message = await receive()
                if message["type"] != "http.request":
                    return
                discarded += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return

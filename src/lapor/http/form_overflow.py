"""A too-large photo on the report form without JavaScript gets the form page back, not raw JSON.

The body-limit middleware refuses a body over ``max_body_bytes`` before reading it: right for the
API, wrong for a browser's plain form post, which then shows a JSON 413 and loses what the student
typed (and, while the browser is still uploading when the connection closes, often shows only a
connection error). For ``POST /`` with a multipart body declared over the limit, this middleware
reads the body as it streams in, keeps the text fields (bounded), throws the file's bytes away, and
hands the form route a small urlencoded body of those fields with ``request.state.photo_too_large``
set; the route answers with the form, what the student typed, and an error on the photo.

Why not raise the limit for that route and check the photo's size in the handler: the handler reads
the body into memory, and a photo of 60 MB would then be held in memory. Here memory stays bounded
(the text fields), and what is read beyond the limit only costs bandwidth. A body declared larger
than ``_MOST_READ`` is left to the body-limit middleware's 413: reading it would take too long.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:  # python-multipart declares its callbacks' type for type checkers only
    from python_multipart.multipart import MultipartCallbacks

# A phone's photo, even a few of them, is well under this; a larger upload is not a photo.
_MOST_READ = 64 * 1024 * 1024
# The form's text fields fit in a few KiB (the description is at most 4,000 characters).
_MOST_TEXT = 64 * 1024
_MOST_FIELDS = 32


class FormOverflowMiddleware:
    """Turn an over-limit ``POST /`` form into its text fields and a mark (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, path: str = "/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._overflowing_form(scope):
            await self.app(scope, receive, send)
            return
        boundary = _boundary(scope)
        fields = _TextFields()
        parser = MultipartParser(boundary, fields.callbacks()) if boundary else None
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the browser went away: nobody to answer
            more = bool(message.get("more_body", False))
            if parser is not None:
                try:
                    parser.write(message.get("body", b""))
                except MultipartParseError:
                    parser = None  # keep what was read; the route judges what is missing
        body = urlencode(fields.values).encode()
        scope = {
            **scope,
            "headers": [
                *((n, v) for n, v in scope["headers"] if n not in (b"content-type", b"content-length")),
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", str(len(body)).encode()),
            ],
            "state": {**scope.get("state", {}), "photo_too_large": True},
        }
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body, only a disconnect can come
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _overflowing_form(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            return False
        declared = content_type = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"content-type":
                content_type = value
        if not declared.isdigit() or not self.max_bytes < int(declared) <= _MOST_READ:
            return False
        return content_type.split(b";", 1)[0].strip().lower() == b"multipart/form-data"


def _boundary(scope: Scope) -> bytes | None:
    header = next((v for n, v in scope["headers"] if n == b"content-type"), b"")
    _, params = parse_options_header(header)
    boundary = params.get(b"boundary")
    return boundary or None


class _TextFields:
    """Collects a multipart body's text fields as it streams; file parts are counted out, not kept."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self._kept = 0
        self._header_name = b""
        self._header_value = b""
        self._name: str | None = None
        self._is_file = False
        self._chunks: list[bytes] = []

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_part,
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._name, self._is_file, self._chunks = None, False, []
        self._header_name = self._header_value = b""

    # A header may arrive in pieces (it can straddle two chunks of the body): collect, then read it.
    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        header, value = self._header_name.lower(), self._header_value
        self._header_name = self._header_value = b""
        if header != b"content-disposition" or len(value) > 4096:
            return
        _, params = parse_options_header(value)
        name = params.get(b"name")
        self._name = name.decode("utf-8", "replace") if name is not None else None
        self._is_file = b"filename" in params

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file or self._name is None:
            return
        room = _MOST_TEXT - self._kept
        chunk = data[start:end][: max(room, 0)]
        self._kept += len(chunk)
        self._chunks.append(chunk)

    def _part_end(self) -> None:
        if self._name is not None and not self._is_file and len(self.values) < _MOST_FIELDS:
            self.values.setdefault(self._name, b"".join(self._chunks).decode("utf-8", "replace"))

"""Reading a submitted ``multipart/form-data`` body quickly, with the same results as Starlette's parser.

Intake is the hot path of the API, and Starlette's form parser (python-multipart's byte-by-byte
state machine with a callback per header and chunk, then a spooled temporary file per upload)
cost more than everything else a report needs. Here the body, already bounded by the body-limit
middleware, is read whole and split on its boundary with ``bytes.find``, which runs in C.

What comes out is what ``read_fields`` got from ``request.form()``: the text fields (the last
value of a repeated name wins), and the bytes of the last file sent under the photo's name.
The limits are Starlette's: at most ``max_files`` files and ``max_fields`` text fields, a text
field at most 1 MiB. Anything that is not well-formed multipart is a 400.
"""

from __future__ import annotations

import codecs
import re

from python_multipart.multipart import parse_options_header

from lapor.api.errors import LaporError

MAX_FIELD_BYTES = 1024 * 1024  # Starlette's max_part_size for a text field
_MAX_BOUNDARY = 200  # RFC 2046 allows 70 characters; be lenient, but not unbounded

# The Content-Disposition every browser, curl and httpx send; anything else goes to the full parser.
_DISPOSITION = re.compile(rb'form-data; ?name="([^"\\\r\n]*)"(?:; ?filename="([^"\\\r\n]*)")?')


class BadForm(LaporError):
    """A body that is not the multipart form it claims to be (answered 400 ``bad_request``)."""

    def __init__(self) -> None:
        super().__init__("error.bad_request")


def multipart_boundary(content_type: str) -> tuple[bytes, str]:
    """The boundary and the charset of the text fields, from a ``multipart/form-data`` Content-Type."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary or len(boundary) > _MAX_BOUNDARY:
        raise BadForm
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        charset = "latin-1"
    return boundary, charset


def parse_multipart(
    body: bytes,
    boundary: bytes,
    charset: str = "utf-8",
    *,
    file_field: str,
    max_files: int,
    max_fields: int,
) -> tuple[dict[str, str], bytes | None]:
    """The text fields, and the bytes of the file under ``file_field`` (None if absent or empty).

    Like python-multipart, a body cut short keeps the parts completed before the cut (the form's
    own validation then names what is missing), and an empty body is an empty form.
    """
    fields: dict[str, str] = {}
    photo: bytes | None = None
    if not body:
        return fields, photo
    delimiter = b"--" + boundary
    if not body.startswith(delimiter):
        if delimiter.startswith(body):
            return fields, photo  # cut short within the first delimiter
        raise BadForm
    separator = b"\r\n" + delimiter
    pos = len(delimiter)
    files = texts = 0
    while not body.startswith(b"--", pos):  # "--" after a delimiter ends the body (an epilogue may follow)
        start = _after_line_end(body, pos)
        if start < 0:
            break  # cut short
        if body.startswith(b"\r\n", start):  # a part without headers
            headers, content_start = b"", start + 2
        else:
            headers_end = body.find(b"\r\n\r\n", start)
            if headers_end < 0:
                break
            headers, content_start = body[start:headers_end], headers_end + 4
        name, is_file = _disposition(headers, charset)
        if is_file:
            files += 1
        else:
            texts += 1
        if files > max_files or texts > max_fields:
            raise BadForm
        content_end = _next_delimiter(body, separator, content_start)
        if content_end < 0:
            break
        if is_file:
            fields.pop(name, None)
            if name == file_field:
                photo = body[content_start:content_end] or None
        else:
            if content_end - content_start > MAX_FIELD_BYTES:
                raise BadForm
            fields[name] = _decode(body[content_start:content_end], charset)
            if name == file_field:
                photo = None
        pos = content_end + len(separator)
    return fields, photo


def _after_line_end(body: bytes, pos: int) -> int:
    """Where the line after a delimiter ends (-1 if the body ends first); only padding may precede it."""
    line_end = body.find(b"\r\n", pos)
    if line_end < 0:
        return -1
    if body[pos:line_end].strip(b" \t"):
        raise BadForm
    return line_end + 2


def _next_delimiter(body: bytes, separator: bytes, start: int) -> int:
    """The next CRLF + delimiter that is followed by ``--`` or by the end of its line; -1 if none.

    A delimiter followed by anything else is part of the content, as RFC 2046 reads.
    """
    while True:
        at = body.find(separator, start)
        if at < 0:
            return -1
        after = at + len(separator)
        if body.startswith(b"--", after):
            return at
        line_end = body.find(b"\r\n", after)
        if line_end < 0:
            return -1
        if not body[after:line_end].strip(b" \t"):
            return at
        start = at + 1


def _disposition(headers: bytes, charset: str) -> tuple[str, bool]:
    """The field name of a part, and whether it is a file (its Content-Disposition has a filename)."""
    disposition = None
    for line in headers.split(b"\r\n"):
        header, colon, value = line.partition(b":")
        if not colon or not header or header != header.strip() or b"\r" in line or b"\n" in line:
            raise BadForm
        if header.lower() == b"content-disposition":
            disposition = value.strip()
    if disposition is None:
        raise BadForm
    match = _DISPOSITION.fullmatch(disposition)
    if match:
        return _decode(match[1], charset), match[2] is not None
    _, options = parse_options_header(disposition)
    name = options.get(b"name")
    if name is None:
        raise BadForm
    return _decode(name, charset), b"filename" in options


def _decode(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset)
    except UnicodeDecodeError:
        return data.decode("latin-1")

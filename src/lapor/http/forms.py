"""Reading a submitted ``multipart/form-data`` body quickly, with the same results as Starlette's parser.

Intake is the hot path of the API, and Starlette's form parser (python-multipart's byte-by-byte
state machine with a callback per header and chunk, then a spooled temporary file per upload)
cost more than everything else a report needs. Here the body, already bounded by the body-limit
middleware, is read whole and split on its boundary with ``bytes.find``, which runs in C.

What comes out is what ``read_fields`` got from ``request.form()`` (Starlette over python-multipart
0.0.31 or newer): the text fields (the last value of a repeated name wins), and the bytes of the
last file sent under the photo's name. Its reading of the bytes is python-multipart's, quirks
included: a body that starts with CR or LF is read from its first ``-``; the first delimiter must
end with CRLF (a body whose lines end with LF alone is a 400); a header value runs to the next CR;
a later delimiter may be followed by spaces and tabs before its CRLF; a body cut short keeps the
parts completed before the cut (the form's own validation then names what is missing), and an
empty body is an empty form. Its limits are Starlette's and python-multipart's: at most
``max_files`` files and ``max_fields`` text fields, a text field at most 1 MiB, at most 8 header
lines per part of at most 4,224 bytes each — and one of our own, stricter: a part's header block is
at most 8 KiB (python-multipart allows 8 lines of 4 KiB, 33 KiB). Anything else is a 400.
``tests/test_intake_fast_path.py`` checks all this against python-multipart on generated bodies.
"""

from __future__ import annotations

import codecs
import re

from python_multipart.multipart import parse_options_header

from lapor.errors import LaporError

MAX_FIELD_BYTES = 1024 * 1024  # Starlette's max_part_size for a text field
MAX_HEADER_BLOCK = 8 * 1024  # a part's headers; browsers send two lines of about 100 bytes
MAX_HEADERS = 8  # python-multipart's DEFAULT_MAX_HEADER_COUNT
MAX_HEADER_LINE = 4096 + 128  # python-multipart's DEFAULT_MAX_HEADER_SIZE, a line without its CRLF
_MAX_BOUNDARY = 200  # RFC 2046 allows 70 characters; be lenient, but not unbounded

# The Content-Disposition every browser, curl and httpx send; anything else goes to the full parser.
_TOKEN = (  # the characters of a header name (RFC 9110 token); bytes.translate deletes them
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
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
    max_header_block: int = MAX_HEADER_BLOCK,
) -> tuple[dict[str, str], bytes | None]:
    """The text fields, and the bytes of the file under ``file_field`` (None if absent or empty)."""
    fields: dict[str, str] = {}
    photo: bytes | None = None
    pos = _first_delimiter(body, boundary)
    separator = b"\r\n--" + boundary
    files = texts = 0
    while pos is not None:
        headers = _headers(body, pos, max_header_block)
        if headers is None:
            break  # cut short
        disposition, content_start = headers
        name, is_file = _disposition(disposition, charset)
        if is_file:
            files += 1
        else:
            texts += 1
        if files > max_files or texts > max_fields:
            raise BadForm
        end = _part_end(body, separator, content_start)
        if end is None:
            if not is_file and len(body) - content_start > MAX_FIELD_BYTES:
                raise BadForm  # Starlette refuses a text field as soon as it grows past its limit
            break
        content_end, pos = end
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
    return fields, photo


def _first_delimiter(body: bytes, boundary: bytes) -> int | None:
    """Where the first part's headers start; None for an empty form or one cut short before."""
    pos = 0
    if body[:1] in (b"\r", b"\n"):
        pos = body.find(b"-")  # python-multipart skips to the first "-" after a leading newline
        if pos < 0:
            return None
    delimiter = b"--" + boundary
    if not body.startswith(delimiter, pos):
        if delimiter.startswith(body[pos:]):
            return None  # cut short within the first delimiter
        raise BadForm
    pos += len(delimiter)
    after = body[pos : pos + 2]
    if after == b"\r\n":
        return pos + 2
    if after in (b"", b"\r", b"-", b"--"):
        return None  # cut short, or "--" at once: a form without parts (what follows is an epilogue)
    raise BadForm


def _headers(body: bytes, pos: int, max_block: int) -> tuple[bytes | None, int] | None:
    """A part's Content-Disposition value (None if it has none) and where its content starts;
    None if the body ends first. Read as python-multipart reads them: a name of token characters,
    a colon, spaces, and a value up to the next CR, which must be followed by LF."""
    disposition = None
    block_start = pos
    for count in range(MAX_HEADERS + 1):
        if body.startswith(b"\r\n", pos):
            return disposition, pos + 2
        if pos >= len(body) or body[pos : pos + 1] == b"\r":
            if pos + 1 >= len(body):
                return None
            raise BadForm  # CR not followed by LF
        if count == MAX_HEADERS:
            break  # one header line more than python-multipart allows
        colon = body.find(b":", pos, pos + MAX_HEADER_LINE + 1)
        if colon < 0:
            rest = body[pos : pos + MAX_HEADER_LINE + 1]
            if len(rest) > MAX_HEADER_LINE or rest.translate(None, _TOKEN):
                raise BadForm
            return None  # the body ends inside a header name
        name = body[pos:colon]
        if not name or name.translate(None, _TOKEN):
            raise BadForm
        limit = pos + MAX_HEADER_LINE
        after_colon = body[colon + 1 : limit + 1]
        value_start = colon + 1 + len(after_colon) - len(after_colon.lstrip(b" "))  # spaces, not tabs
        cr = body.find(b"\r", value_start, limit + 1)
        if cr < 0:
            if len(body) > limit:
                raise BadForm  # a header line longer than python-multipart's limit
            return None
        if body[cr + 1 : cr + 2] != b"\n":
            if cr + 1 >= len(body):
                return None
            raise BadForm
        if name.lower() == b"content-disposition":
            disposition = body[value_start:cr]
        pos = cr + 2
        if pos - block_start > max_block:
            raise BadForm
    raise BadForm


def _part_end(body: bytes, separator: bytes, start: int) -> tuple[int, int | None] | None:
    """Where a part's content ends and the next part starts (None after the last delimiter);
    None if the body ends first. CRLF + delimiter counts only when CRLF or "--" follows it, or
    spaces and tabs and then CRLF; followed by anything else it is content."""
    while True:
        at = body.find(separator, start)
        if at < 0:
            return None
        after = at + len(separator)
        follows = body[after : after + 2]
        if follows == b"\r\n":
            return at, after + 2
        if follows == b"--":
            return at, None
        if follows in (b"", b"\r", b"-"):
            return None  # cut short
        if follows[:1] in (b" ", b"\t"):
            padding = body[after:]
            padding_end = after + len(padding) - len(padding.lstrip(b" \t"))
            line_end = body[padding_end : padding_end + 2]
            if line_end == b"\r\n":
                return at, padding_end + 2
            if line_end in (b"", b"\r"):
                return None
            raise BadForm  # python-multipart: "Did not find CRLF after boundary padding"
        start = after


def _disposition(disposition: bytes | None, charset: str) -> tuple[str, bool]:
    """The field name of a part, and whether it is a file (its Content-Disposition has a filename)."""
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

"""The app's own failures: one exception per failure a user can cause, each with an HTTP status,
a stable code and a catalogue message. No web framework here: ``lapor.http.errors`` maps them to
answers, and services, auth and pages raise them without knowing how they are shown."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Sequence
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError

# pydantic's error type for a text with a NUL character (raised by lapor.domain.fields.NoNul).
NUL_ERROR = "text_nul"
# ... and for a supporter id that is not base64url of 16 to 64 bytes (lapor.domain.supporters).
SUPPORTER_ERROR = "supporter_format"


# The database is down, locked or restarting: a 503 the user can retry, not a 500.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    socket.gaierror,
)


class LaporError(Exception):
    """An error a user can act on: an HTTP status, a stable code and a catalogue message."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message_key: str, /, **params: object) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.params = params


class ValidationFailed(LaporError):
    status_code = 422
    code = "validation_error"

    def __init__(self, problems: list[tuple[str, str, dict[str, object]]]) -> None:
        """``problems``: (field, message key, params) for each field that is wrong."""
        super().__init__("error.validation")
        self.problems = problems


class NotFound(LaporError):
    status_code = 404
    code = "not_found"


class Unauthorized(LaporError):
    status_code = 401
    code = "unauthorized"


class Forbidden(LaporError):
    status_code = 403
    code = "forbidden"


class Conflict(LaporError):
    """The change clashes with what is stored: a name taken, the last admin, a link already used."""

    status_code = 409
    code = "conflict"


class ReportClosed(Conflict):
    """A "me too" on a report that is resolved, rejected or a duplicate: the answer says which, and
    for a duplicate the report it was merged into (the one to follow instead)."""

    code = "report_closed"

    def __init__(self, status: str, duplicate_of: str | None = None) -> None:
        super().__init__(f"support.closed.{status}", duplicate_of=duplicate_of or "")
        self.details: dict[str, object] = {"status": status}
        if duplicate_of:
            self.details["duplicate_of"] = duplicate_of


class Gone(LaporError):
    """A one-time link that expired or was replaced by a newer one."""

    status_code = 410
    code = "gone"


class PayloadTooLarge(LaporError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(LaporError):
    status_code = 415
    code = "unsupported_media_type"


class TooManyRequests(LaporError):
    status_code = 429
    code = "too_many_requests"


class ServiceUnavailable(LaporError):
    status_code = 503
    code = "service_unavailable"


# Redis cannot be reached, was restarted and is not back, or every pooled connection stayed busy
# for LAPOR_REDIS_POOL_TIMEOUT_SECONDS (``MaxConnectionsError`` is a ``ConnectionError``): 503.
# redis-py has already retried a dropped connection once by then (broker/client.py).
REDIS_ERRORS: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError)


def validation_problems(errors: Sequence[Any]) -> list[tuple[str, str, dict[str, object]]]:
    """Translate pydantic's errors into (field, catalogue key, params)."""
    problems: list[tuple[str, str, dict[str, object]]] = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]  # where it was sent, not a field (a field may be named "body" itself)
        field = loc[0] if loc else "request"
        kind = error.get("type", "")
        ctx = error.get("ctx") or {}
        # A required field sent as null (or left out by a route that passes it on as None) is
        # missing too; a field that may be null never fails with a null input.
        missing = kind == "missing" or error.get("input", ...) is None
        # A length checked after another validator is reported as "too_short", not "string_too_short".
        if missing or (kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1):
            problems.append((field, "field.required", {}))
        elif kind in ("string_too_short", "too_short"):
            problems.append((field, "field.too_short", {"min": ctx.get("min_length")}))
        elif kind in ("string_too_long", "too_long"):
            problems.append((field, "field.too_long", {"max": ctx.get("max_length")}))
        elif kind in ("enum", "literal_error"):
            problems.append((field, "field.invalid_choice", {"choices": _choices(ctx.get("expected", ""))}))
        elif kind == NUL_ERROR:
            problems.append((field, "field.nul_character", {}))
        elif kind == SUPPORTER_ERROR:
            problems.append((field, "support.bad_supporter", {}))
        elif kind == "json_invalid":
            problems.append(("request", "error.bad_json", {}))
        else:
            problems.append((field, "field.invalid", {}))
    return problems


def json_problem(exc: BaseException | None) -> tuple[str, dict[str, object]] | None:
    """The message key (and its params) for a JSON body the parser refused; None when ``exc`` is
    no such refusal. Beyond malformed JSON, Python's parser refuses two hostile bodies with errors
    of their own: nesting deeper than the recursion limit (RecursionError) and an integer longer
    than ``sys.get_int_max_str_digits()`` (a plain ValueError, the guard against CVE-2020-10735)."""
    if isinstance(exc, RecursionError):
        return "error.json_too_deep", {}
    if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
        return "error.bad_json", {}
    if isinstance(exc, ValueError):
        return "error.json_number_too_long", {"digits": sys.get_int_max_str_digits()}
    return None


def parse_json(raw: bytes) -> Any:
    """A JSON request body; a body that is not JSON, or is JSON no one sends in good faith, is a 422
    naming what is wrong, never a 500. FastAPI's own body parsing gets the same answers through
    ``on_http_error``."""
    try:
        return json.loads(raw or b"null")
    except (ValueError, RecursionError) as exc:
        key, params = json_problem(exc) or ("error.bad_json", {})
        raise ValidationFailed([("request", key, params)]) from exc


def _choices(expected: str) -> str:
    """pydantic's English "'a', 'b' or 'c'" as a list that reads in either language: "'a', 'b', 'c'"."""
    head, separator, last = str(expected).rpartition(" or ")
    return f"{head}, {last}" if separator else str(expected)

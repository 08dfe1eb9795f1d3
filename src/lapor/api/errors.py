"""One exception per failure a user can cause, each answered as ``{"error": {code, message}}``."""

from __future__ import annotations

import json
import logging
import socket
import sys
from collections.abc import Sequence
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from lapor.api.fields import NUL_ERROR
from lapor.i18n import MESSAGES, negotiate, translate

log = logging.getLogger("lapor.api")


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


ErrorCode = Literal[
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "request_timeout",
    "conflict",
    "gone",
    "payload_too_large",
    "unsupported_media_type",
    "validation_error",
    "too_many_requests",
    "internal_error",
    "service_unavailable",
]


class ErrorDetail(BaseModel):
    code: ErrorCode
    message: str = Field(description="For a person, in the caller's language")
    fields: dict[str, str] | None = Field(
        default=None, description="validation_error only: one message per field that is wrong, keyed as sent"
    )


class ErrorResponse(BaseModel):
    """The shape of every error answer."""

    error: ErrorDetail


_ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "bad_request: the request cannot be read (e.g. a form with too many files or fields)",
    401: "unauthorized: no staff token, an invalid or expired one, or wrong credentials",
    403: "forbidden: not allowed for this caller",
    404: "not_found: no such report, dead letter or path",
    408: "request_timeout: the body arrived too slowly (see LAPOR_HTTP_BODY_TIMEOUT_SECONDS)",
    409: "conflict: clashes with what is stored (a username or slug taken, the last admin, a used link)",
    410: "gone: the one-time link expired",
    413: "payload_too_large: the body or the photo is too large",
    415: "unsupported_media_type: the body is neither a form nor JSON",
    422: "validation_error: a field is missing or wrong; `fields` says which",
    429: "too_many_requests: too many failed sign-ins or open event streams; wait `Retry-After` seconds",
    500: "internal_error: an unexpected failure (it is logged)",
    503: "service_unavailable: Redis or the database cannot be reached; try again",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses (and 500, which any route can answer)."""
    declared: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 500}):
        declared[status] = {"model": ErrorResponse, "description": _ERROR_DESCRIPTIONS[status]}
        if status in (429, 503):
            declared[status]["headers"] = _RETRY_AFTER
    return declared


def language_of(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"), request.cookies.get("lang"))


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _render(request: Request, exc: LaporError) -> JSONResponse:
    lang = language_of(request)
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationFailed):
        fields = {
            field: translate(key, lang, field=field_label(field, lang), **params)
            for field, key, params in exc.problems
        }
        message = translate("error.validation", lang, details="; ".join(fields.values()))
        extra["fields"] = fields
    else:
        message = translate(exc.message_key, lang, **exc.params)
    seconds = exc.params.get("seconds")
    if seconds is None and isinstance(exc, ServiceUnavailable):
        # Every 503 says when to come back: the dependency that failed is usually back within seconds.
        seconds = request.app.state.settings.redis_retry_after_seconds
    headers = {"Retry-After": str(seconds)} if seconds is not None else None
    return JSONResponse(error_body(exc.code, message, **extra), status_code=exc.status_code, headers=headers)


def field_label(field: str, language: str) -> str:
    """A field's name as a person reads it; the raw name when the catalogue has none."""
    key = f"name.{field}"
    return translate(key, language) if key in MESSAGES else field


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


def _sent_json(request: Request) -> bool:
    """Whether FastAPI parsed the body as JSON: a JSON content type, or none at all."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type in ("", "application/json") or media_type.endswith("+json")


def _choices(expected: str) -> str:
    """pydantic's English "'a', 'b' or 'c'" as a list that reads in either language: "'a', 'b', 'c'"."""
    head, separator, last = str(expected).rpartition(" or ")
    return f"{head}, {last}" if separator else str(expected)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (the router's 405 names only the first route's)."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    async def on_lapor_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LaporError)
        return _render(request, exc)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _render(request, ValidationFailed(validation_problems(exc.errors())))

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        problem = json_problem(exc.__cause__) if exc.status_code == 400 and _sent_json(request) else None
        if problem is not None:
            # FastAPI's answer to a JSON body it could not parse (not UTF-8, nested too deep, a
            # number too long): say what parse_json says for the same body.
            return _render(request, ValidationFailed([("request", *problem)]))
        key, code = {
            404: ("error.not_found", "not_found"),
            405: ("error.method_not_allowed", "method_not_allowed"),
            413: ("error.too_large", "payload_too_large"),
        }.get(exc.status_code, ("error.bad_request", "bad_request"))
        lang = language_of(request)
        body = error_body(code, translate(key, lang, max_mb="?"))
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    async def on_database_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return _render(request, ServiceUnavailable("error.database_unavailable"))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        body = error_body("internal_error", translate("error.internal", language_of(request)))
        return JSONResponse(body, status_code=500)

    app.add_exception_handler(LaporError, on_lapor_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    for error_type in DATABASE_ERRORS:
        app.add_exception_handler(error_type, on_database_down)
    for error_type in REDIS_ERRORS:
        app.add_exception_handler(error_type, _on_redis_down)
    app.add_exception_handler(Exception, on_unexpected)


# Redis cannot be reached, was restarted and is not back, or every pooled connection stayed busy
# for LAPOR_REDIS_POOL_TIMEOUT_SECONDS (``MaxConnectionsError`` is a ``ConnectionError``): 503.
# redis-py has already retried a dropped connection once by then (broker/client.py).
REDIS_ERRORS: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError)


async def _on_redis_down(request: Request, exc: Exception) -> JSONResponse:
    # One line, no traceback: under a burst this fires per request, and the cause is one fact.
    log.warning(
        "redis unavailable on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc
    )
    seconds = request.app.state.settings.redis_retry_after_seconds
    return _render(request, ServiceUnavailable("error.redis_unavailable", seconds=seconds))

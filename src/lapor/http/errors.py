"""The app's errors (lapor.errors) as HTTP answers: every one is ``{"error": {code, message}}``."""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from lapor.errors import (
    DATABASE_ERRORS,
    REDIS_ERRORS,
    LaporError,
    ServiceUnavailable,
    ValidationFailed,
    json_problem,
    validation_problems,
)
from lapor.i18n import MESSAGES, negotiate, translate

log = logging.getLogger("lapor.api")


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
        extra.update(getattr(exc, "details", None) or {})  # e.g. the kept report of a duplicate
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


def _sent_json(request: Request) -> bool:
    """Whether FastAPI parsed the body as JSON: a JSON content type, or none at all."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type in ("", "application/json") or media_type.endswith("+json")


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


async def _on_redis_down(request: Request, exc: Exception) -> JSONResponse:
    # One line, no traceback: under a burst this fires per request, and the cause is one fact.
    log.warning(
        "redis unavailable on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc
    )
    seconds = request.app.state.settings.redis_retry_after_seconds
    return _render(request, ServiceUnavailable("error.redis_unavailable", seconds=seconds))

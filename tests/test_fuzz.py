"""Fuzzing: schemathesis against the app's own OpenAPI schema. No 5xx; every answer is as declared.

Every operation in /openapi.json is called with generated requests, valid and invalid: anonymously on
SQLite, and with an admin's bearer token (past the staff endpoints' 401) on PostgreSQL. The run is bounded
and deterministic (``MAX_EXAMPLES`` per operation and phase, derandomized), so it belongs in ``make test``.

The schema is the app's own: ``create_app().openapi()`` is the document ``GET /openapi.json`` serves
(checked below). It is loaded at import, because ``schemathesis.pytest.from_fixture`` does not work with
pytest 9.2 (it sets ``Function._nodeid``, which became ``_id``). Each operation then gets a fresh app on the
test's Redis and database; schemathesis runs that app's lifespan and calls it in process. Event streams
end on their own: the app's ``sse_max_connection_seconds`` is cut to a tenth of a second.

To look harder for a while, raise ``MAX_EXAMPLES``, set ``deterministic=False`` and add
``checks.negative_data_rejection`` (its one known complaint: lengths are checked after trimming).
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import strategies as st
from redis.asyncio import Redis
from schemathesis import checks

from lapor.app import create_app
from lapor.auth.tokens import TokenClaims, issue_token, password_fingerprint
from lapor.config import Settings
from lapor.credentials.passwords import hash_password
from lapor.store import queries, users
from lapor.store.engine import create_engine, create_sessionmaker
from tests.factories import PASSWORD, StaffUser, both_backends, png_bytes, report_fields, submit

MAX_EXAMPLES = 25

schema = schemathesis.openapi.from_dict(create_app(Settings(env="test")).openapi())
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")

# No 5xx, and every answer as declared: status, media type, headers, body, and `Allow` on a 405.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.allow_header_conformance,
]

# Reports that exist for the operation being fuzzed (one stored, one still queued); see `known_reports`.
KNOWN_REPORT_IDS: list[str] = []


# The admin's account id (see `admin_headers`), so that account operations reach past the 404.
KNOWN_USER_IDS: list[int] = []
KNOWN_SLUGS = ["other", "electrical"]


@schema.hook
def flatmap_path_parameters(ctx: schemathesis.HookContext, path_parameters: Any) -> Any:
    """Now and then ask about a report, an account or a category that exists: random ids only ever
    reach the 404."""
    if not path_parameters:
        return st.just(path_parameters)
    known = {"report_id": KNOWN_REPORT_IDS, "user_id": KNOWN_USER_IDS, "slug": KNOWN_SLUGS}
    for name, values in known.items():
        if name in path_parameters and values:
            return st.sampled_from([path_parameters, *({**path_parameters, name: value} for value in values)])
    return st.just(path_parameters)


@functools.cache
def _hashed(password: str) -> str:
    return hash_password(password)  # argon2 takes ~0.4 s; once per run is enough


@pytest.fixture
async def admin_headers(settings: Settings, redis: Redis, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An admin's bearer token, as ``POST /api/auth/token`` issues it (that endpoint is fuzzed too)."""
    monkeypatch.setattr(users, "hash_password", _hashed)
    url = settings.resolved_database_url
    await users.add_user(
        url, username="admin", role="admin", display_name="Admin Fasilitas", password=PASSWORD
    )
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            user = await queries.get_user_by_username(session, username="admin")
    finally:
        await engine.dispose()
    assert user is not None
    KNOWN_USER_IDS[:] = [user.id]
    claims = TokenClaims(user.id, password_fingerprint(user.password_hash), user.role, user.display_name)
    return {"Authorization": f"Bearer {issue_token(settings.signing_key, claims)}"}


def _reads_reports(test_name: str) -> bool:
    """Whether the operation (in the test's name) reads or changes stored reports."""
    return any(
        part in test_name for part in ("{report_id}", "[GET /api/reports]", "[GET /api/semua_laporan]")
    )


@pytest.fixture
async def known_reports(
    request: pytest.FixtureRequest,
    settings: Settings,
    admin_headers: dict[str, str],
    drain: Callable[[], Awaitable[Any]],
) -> list[str]:
    """For the operations that read reports: a stored one with a photo and a timeline, and a queued one."""
    KNOWN_REPORT_IDS.clear()
    if not _reads_reports(request.node.name):
        return KNOWN_REPORT_IDS
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lapor.test") as http,
    ):
        stored = (await submit(http, photo=png_bytes())).json()["id"]
        change = {"status": "in_progress", "assignee": "admin", "note": "Teknisi menuju lokasi"}
        response = await http.patch(f"/api/reports/{stored}", json=change, headers=admin_headers)
        assert response.status_code == 202, response.text
        await drain()
        queued = (await submit(http, photo=png_bytes())).json()["id"]
    KNOWN_REPORT_IDS[:] = [stored, queued]
    return KNOWN_REPORT_IDS


@pytest.fixture
def fuzz_app(settings: Settings, known_reports: list[str]) -> FastAPI:
    # Event streams end on their own, after a tenth of a second.
    return create_app(settings.model_copy(update={"sse_max_connection_seconds": 0.1}))


# One app (and database) per operation, shared by its examples: that is the intent.
SHARED_APP = hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])


@schema.parametrize()
@SHARED_APP
def test_anonymous(case: schemathesis.Case, fuzz_app: FastAPI) -> None:
    case.call_and_validate(app=fuzz_app, checks=CHECKS)


# Anonymous calls run on SQLite, the admin's on PostgreSQL: each backend gets fuzzed, in one pass.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@schema.parametrize()
@SHARED_APP
def test_admin(case: schemathesis.Case, fuzz_app: FastAPI, admin_headers: dict[str, str]) -> None:
    case.call_and_validate(app=fuzz_app, headers=admin_headers, checks=CHECKS)


async def test_fuzzed_schema_is_the_served_one(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == schema.raw_schema


# What fuzzing (and probing around its findings) turned up, pinned. Each of these was a 500, or a
# 2xx/503 that said something untrue.


def _cursor(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def _field_error(response: httpx.Response, field: str) -> str:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    message: str = error["fields"][field]
    return message


async def test_seed_priority_of_another_type_is_a_422(client: httpx.AsyncClient) -> None:
    fields = {"nama": "Budi", "lokasi": "Gedung A", "deskripsi": "Lampu kelas mati sejak pagi"}
    for prioritas in ([None, None], {}, 0):  # a list was a 500 (unhashable), {} and 0 were taken as Biasa
        response = await client.post(
            "/api/lapor", json={**fields, "prioritas": prioritas}, headers={"Accept": "application/json"}
        )
        assert "Darurat" in _field_error(response, "prioritas")
    assert (await client.post("/api/lapor", json={**fields, "prioritas": None})).status_code == 202


async def test_json_null_priority_counts_as_absent(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/reports", json=report_fields(priority=None))
    assert response.status_code == 202
    assert (await client.get(response.json()["links"]["self"])).json()["priority"] == "normal"
    assert _field_error(await client.post("/api/reports", json=report_fields(priority={})), "priority")


async def test_a_json_body_that_is_not_utf8_is_a_422_like_any_bad_json(client: httpx.AsyncClient) -> None:
    # FastAPI answered these with a bare 400 ("There was an error parsing the body").
    for path in ("/api/auth/token", "/api/reports"):
        response = await client.post(
            path, content=b'{"a": "\xff"}', headers={"Content-Type": "application/json"}
        )
        assert "JSON" in _field_error(response, "request")


async def test_dead_letter_id_past_64_bits_is_a_422(client: httpx.AsyncClient, admin: StaffUser) -> None:
    # Redis refuses such an id ("Invalid stream ID"): that was a 500.
    for dead_id in ("18446744073709551616-0", "0-99999999999999999999", "١-١"):
        response = await client.post(f"/api/admin/dead-letters/{dead_id}/replay", headers=admin.headers)
        assert _field_error(response, "dead_id")
    missing = await client.post(
        "/api/admin/dead-letters/18446744073709551615-0/replay", headers=admin.headers
    )
    assert missing.status_code == 404


async def test_event_cursor_must_be_a_stream_id_redis_takes(
    client: httpx.AsyncClient, admin: StaffUser
) -> None:
    for bad in ("18446744073709551616", "+5", "1_0", "٣", "5-"):
        response = await client.get("/api/events", params={"last_event_id": bad}, headers=admin.headers)
        assert _field_error(response, "last_event_id")
    # Both given: the header wins, but a malformed query value is still refused.
    headers = {**admin.headers, "Last-Event-ID": "5-0"}
    response = await client.get("/api/events", params={"last_event_id": "yesterday"}, headers=headers)
    assert _field_error(response, "last_event_id")


@both_backends
async def test_nul_characters_are_refused_before_they_reach_the_database(
    client: httpx.AsyncClient, admin: StaffUser
) -> None:
    # PostgreSQL cannot store NUL: searches and sign-ins were 500s, a report with one was accepted
    # (202) though no worker could ever store it; on SQLite a search with one was a false 503.
    english = {"Accept-Language": "en"}
    for params in ({"q": "lampu\x00"}, {"category": "electrical\x00"}):
        response = await client.get("/api/reports", params=params, headers=english)
        assert "NUL" in _field_error(response, next(iter(params)))
    response = await client.post("/api/auth/token", json={"username": "admin\x00", "password": "x"})
    assert "NUL" in _field_error(response, "username")
    response = await client.post("/api/reports", data=report_fields(location="Gedung A\x00"))
    assert "NUL" in _field_error(response, "location")
    report = (await client.post("/api/reports", json=report_fields())).json()["id"]
    response = await client.post(
        f"/api/reports/{report}/comments", json={"body": "a\x00"}, headers=admin.headers
    )
    assert "NUL" in _field_error(response, "body")
    response = await client.patch(f"/api/reports/{report}", json={"note": "a\x00"}, headers=admin.headers)
    assert "NUL" in _field_error(response, "note")


@both_backends
async def test_cursor_values_are_checked_before_they_reach_the_database(client: httpx.AsyncClient) -> None:
    at = "2026-01-01T00:00:00+00:00"
    for sort, cursor in (
        ("priority", _cursor("priority", 10**30, at, "a")),  # past 64 bits: a 500 on both backends
        ("newest", _cursor("newest", "9999-12-31T23:59:59-14:00", "a")),  # overflows in UTC: a 500
        ("newest", _cursor("newest", at, "a\x00b")),  # NUL: a 500 on PostgreSQL
        ("newest", _cursor("newest", 5, "a")),
        ("newest", _cursor("newest", at, 7)),
    ):
        response = await client.get("/api/reports", params={"sort": sort, "cursor": cursor})
        assert _field_error(response, "cursor")


async def test_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.request("OPTIONS", "/api/reports/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    assert {"GET", "PATCH"} <= {method.strip() for method in response.headers["allow"].split(",")}


def test_errors_are_declared_with_their_real_shape() -> None:
    raw = schema.raw_schema
    assert "HTTPValidationError" not in raw["components"]["schemas"]
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and not (path == "/readyz" and status == "503"):
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path, status)

"""Health, readiness, metrics, categories, OpenAPI and the response headers."""

from __future__ import annotations

import concurrent.futures
import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from lapor.app import create_app
from lapor.config import Settings
from tests.factories import report_fields
from tests.live import live_api


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"redis": "ok", "database": "ok"}


async def test_readiness_fails_when_redis_is_unreachable(
    make_settings: Callable[..., Settings], sqlite_url: str
) -> None:
    settings = make_settings(sqlite_url, redis_url="redis://127.0.0.1:1/0")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["redis"].startswith("error")
        assert ready.json()["checks"]["database"] == "ok"
        # Intake says so plainly instead of pretending: nothing was accepted.
        refused = await http.post("/api/reports", json=report_fields())
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "service_unavailable"


async def test_metrics_report_queue_and_latency(client: httpx.AsyncClient, drain: Callable[..., Any]) -> None:
    await client.post("/api/reports", json=report_fields())
    before = (await client.get("/metrics")).text
    assert "lapor_queue_waiting 1.0" in before
    await drain()
    after = (await client.get("/metrics")).text
    assert "lapor_queue_waiting 0.0" in after
    assert "lapor_queue_pending 0.0" in after
    assert "lapor_dead_letters 0.0" in after
    assert "lapor_processing_latency_seconds_count 1.0" in after
    assert 'lapor_http_requests_total{endpoint="/api/reports",method="POST",status="202"} 1.0' in after


async def test_categories_in_both_languages(client: httpx.AsyncClient) -> None:
    indonesian = (await client.get("/api/categories")).json()["items"]
    english = (await client.get("/api/categories", headers={"Accept-Language": "en-GB,en;q=0.9"})).json()[
        "items"
    ]
    assert [c["slug"] for c in indonesian][:3] == ["electrical", "plumbing", "ac-ventilation"]
    assert indonesian[0]["name"] == "Listrik" and english[0]["name"] == "Electrical"


async def test_openapi_schema_documents_the_contract(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    submit = schema["paths"]["/api/reports"]["post"]["requestBody"]["content"]
    assert set(submit) == {"multipart/form-data", "application/x-www-form-urlencoded", "application/json"}
    assert "photo" in submit["multipart/form-data"]["schema"]["properties"]
    for path in (
        "/api/reports/{report_id}",
        "/api/reports/{report_id}/events",
        "/api/auth/token",
        "/api/lapor",
    ):
        assert path in schema["paths"]


async def test_every_answer_carries_security_headers(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/healthz"),
        await client.get("/api/reports/nope"),
        await client.post(
            "/api/reports", content=b"x" * 100, headers={"Content-Length": str(50 * 1024 * 1024)}
        ),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_unknown_path_and_method_are_json_errors(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = await client.delete("/api/reports")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


async def test_invented_methods_and_paths_leave_metrics_small(client: httpx.AsyncClient) -> None:
    for n in range(200):
        method = f"X{n:03d}" + "Q" * 4000  # an invented 4 KB method, different every time
        answer = await client.request(method, f"/no/such/path/{n}/{'p' * 200}")
        assert answer.status_code in (404, 405)
        await client.get(f"/api/reports/{n:08d}-0000-4000-8000-000000000000")
    text = (await client.get("/metrics")).text
    assert len(text) < 30_000, len(text)
    assert 'method="other"' in text and "QQQQ" not in text and "/no/such" not in text
    assert 'endpoint="/api/reports/{report_id}",method="GET",status="404"} 200.0' in text


def test_one_scrape_counts_every_api_process(
    env_for: Callable[..., dict[str, str]], settings: Settings
) -> None:
    files_left: list[Path] = []
    with contextlib.ExitStack() as cleanup, live_api(env_for(), workers=2) as base:
        shared = Path(tempfile.gettempdir()) / f"lapor-metrics-{base.rsplit(':', 1)[1]}"
        cleanup.callback(lambda: files_left.extend(shared.glob("*")))  # once the API has stopped
        sent = 0
        # A new connection each time, several at once, until both processes have answered some.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            while len(list(shared.glob("counter_*.db"))) < 2 and sent < 400:
                # A path nothing else asks for (the start-up check polls /healthz).
                answers = list(pool.map(lambda _: httpx.get(f"{base}/counted", timeout=10), range(8)))
                assert all(answer.status_code == 404 for answer in answers)
                sent += len(answers)
        assert len(list(shared.glob("counter_*.db"))) == 2, "one process answered every request"
        for _ in range(4):  # whichever process answers the scrape, it counts both
            text = httpx.get(f"{base}/metrics", timeout=10).text
            line = 'lapor_http_requests_total{endpoint="unmatched",method="GET",status="404"} '
            counted = [row for row in text.splitlines() if row.startswith(line)]
            assert counted == [f"{line}{float(sent)}"], (counted, sent)
            assert "lapor_sse_connections 0.0" in text  # open event streams: the sum of the processes
    assert files_left == [] and not shared.exists()  # lapor api removes its figures when it stops

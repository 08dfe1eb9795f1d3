"""Redis under pressure: a burst larger than the pool waits, a restart is ridden out, an outage is a 503.

Issue 9 item 6: 300 concurrent requests used to answer 199 x 500 (``MaxConnectionsError``), and a
Redis that was down answered 500 with a traceback in the log.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import pytest
from redis import Redis as SyncRedis
from redis.exceptions import ConnectionError as RedisConnectionError

from lapor.app import create_app
from lapor.config import Settings
from tests.live import free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP against the real app; an app error reaches the test as a 500, as a client would see it."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://lapor.test") as http:
            yield http


@contextmanager
def private_redis() -> Iterator[Callable[[], None]]:
    """A redis-server of our own on a free port; yields ``restart`` and leaves ``.url`` and ``.stop``."""
    port = free_port()

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with SyncRedis(port=port, socket_connect_timeout=1) as probe:
                    probe.ping()
                return process
            except RedisConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    processes = [start()]

    def stop() -> None:
        processes[-1].terminate()
        processes[-1].wait(timeout=20)

    def restart() -> None:
        stop()
        processes.append(start())

    restart.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
    restart.stop = stop  # type: ignore[attr-defined]
    try:
        yield restart
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def assert_503_with_retry_after(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["error"]["code"] == "service_unavailable"


async def test_a_burst_larger_than_the_pool_waits_for_a_connection(
    make_settings: Callable[..., Settings], sqlite_url: str
) -> None:
    settings = make_settings(sqlite_url, redis_max_connections=4, redis_pool_timeout_seconds=30)
    async with served(settings) as http:
        answers = await asyncio.gather(
            *[http.get("/api/antrean") for _ in range(300)], *[http.get("/metrics") for _ in range(100)]
        )
    assert [a.status_code for a in answers] == [200] * 400


async def test_a_pool_that_stays_busy_answers_503_with_retry_after_never_500(
    make_settings: Callable[..., Settings], sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(sqlite_url, redis_max_connections=1, redis_pool_timeout_seconds=0.001)
    async with served(settings) as http:
        answers = await asyncio.gather(*[http.get("/metrics") for _ in range(200)])
    statuses = {a.status_code for a in answers}
    assert statuses <= {200, 503}, statuses
    assert 503 in statuses  # one connection, no wait: most of the burst cannot have one
    for answer in answers:
        if answer.status_code == 503:
            assert_503_with_retry_after(answer)
    assert "Traceback" not in caplog.text


async def test_requests_right_after_a_redis_restart_succeed(
    make_settings: Callable[..., Settings], sqlite_url: str
) -> None:
    with private_redis() as restart:
        settings = make_settings(sqlite_url, redis_url=restart.url)  # type: ignore[attr-defined]
        async with served(settings) as http:
            # Fill the pool with connections that the restart will break.
            before = await asyncio.gather(*[http.get("/api/antrean") for _ in range(60)])
            assert {a.status_code for a in before} == {200}
            restart()
            after = await asyncio.gather(*[http.get("/api/antrean") for _ in range(60)])
    assert [a.status_code for a in after] == [200] * 60


async def test_redis_down_answers_503_with_retry_after_and_one_log_line(
    make_settings: Callable[..., Settings], sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with private_redis() as restart:
        settings = make_settings(sqlite_url, redis_url=restart.url)  # type: ignore[attr-defined]
        async with served(settings) as http:
            assert (await http.get("/api/antrean")).status_code == 200
            restart.stop()  # type: ignore[attr-defined]
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="lapor.api"):
                started = time.monotonic()
                queue = await http.get("/api/antrean", headers={"Accept-Language": "en"})
                metrics = await http.get("/metrics")
                elapsed = time.monotonic() - started
    assert_503_with_retry_after(queue)
    assert_503_with_retry_after(metrics)
    assert "try again in" in queue.json()["error"]["message"]
    assert elapsed < 10  # fails fast: one retry, not redis-py's default of ten
    ours = [r for r in caplog.records if r.name == "lapor.api"]
    assert len(ours) == 2 and all(r.exc_info is None for r in ours), caplog.text

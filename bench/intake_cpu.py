"""CPU per submit, in process: the app's intake without an HTTP server, wrk or network in the way.

Builds the API app (its lifespan running, real Redis, a scratch data dir and SQLite database) and
calls it as an ASGI app with N sequential multipart submits, each with the ~30 KiB JPEG of
bench/photos.py. Prints the best batch's wall time per submit, the mean, and the process's CPU
time per submit (all threads). Less noisy than wrk on a shared machine, and it isolates the
application's own cost. To compare with an older tree, run it with PYTHONPATH=<that tree>/src.

    .venv/bin/python -m bench.intake_cpu -n 3000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.photos import MULTIPART_TYPE, camera_jpeg, multipart_body


async def submit(app: Any, body: bytes) -> None:
    headers = [
        (b"host", b"bench"),
        (b"content-type", MULTIPART_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/reports", "raw_path": b"/api/reports", "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        "state": {},
    }  # fmt: skip
    sent = False
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    if status != [202]:
        raise RuntimeError(f"submit answered {status}")


async def run(n: int, batches: int) -> None:
    from lapor.app import create_app
    from lapor.broker.client import connect
    from lapor.config import Settings
    from lapor.store.migrate import upgrade

    scratch = Path(tempfile.mkdtemp(prefix="lapor-bench-intake-"))
    settings = Settings(
        data_dir=scratch,
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        # One address and no worker: limits that never refuse, checks that still run (docs/benchmarks.md).
        intake_rate_limit=1_000_000_000,
        intake_max_backlog=1_000_000_000,
    )
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    redis = connect(settings.redis_url)
    await redis.flushdb()
    fields = {"reporter_name": "Bench", "location": "Gedung A", "priority": "medium"}
    fields["description"] = "Lampu koridor mati, uji beban"
    body = multipart_body(fields, file_field="photo", photo=camera_jpeg())
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            for _ in range(50):  # warm-up: connections, caches
                await submit(app, body)
            per_batch = max(1, n // batches)
            best = float("inf")
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(batches):
                batch_start = time.perf_counter()
                for _ in range(per_batch):
                    await submit(app, body)
                best = min(best, (time.perf_counter() - batch_start) / per_batch)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        done = per_batch * batches
        print(
            f"{done} submits: best batch {best * 1e6:,.0f} µs each, mean {wall / done * 1e6:,.0f} µs, "
            f"CPU {cpu / done * 1e6:,.0f} µs each (load average {os.getloadavg()[0]:.2f})"
        )
    finally:
        await redis.flushdb()
        await redis.aclose()
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=3000, help="submits to time")
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    import uvloop

    uvloop.run(run(args.n, args.batches))


if __name__ == "__main__":
    main()

"""Load generator with Jepsen-style bookkeeping, for Lapor Kampus or the seed's design.

Submits N reports, each with a real ~30 KiB JPEG, at concurrency C (or a steady rate), records
every request as acknowledged, failed or timed out, then waits until each acknowledged report
is persisted and prints one table. Used by `make bench` (bench/compare.py); runnable alone:

Every report goes on a TCP connection of its own, as each student's phone sends its one report
(and as the seed's gunicorn sync workers make every client do: they close the connection after
each answer). With ``--keep-alive`` the client coroutines share kept-alive connections from
httpx's pool instead; that pool, not the server, then makes a long accept tail (docs/benchmarks.md,
"The load generator's connections": a bare Starlette POST handler shows the same tail, and httpx's
issue #3215 describes its pool's cost under concurrency). ``--accept-only`` measures the answers
alone (no worker needed: nothing waits for the reports to be stored).

    .venv/bin/python bench/load.py --system lapor --url http://127.0.0.1:8000 \\
        --database-url sqlite:///data/lapor.db -n 2000 -c 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, text

from bench.photos import MULTIPART_TYPE, camera_jpeg, multipart_body


@dataclass
class Request:
    seq: int
    marker: str
    sent: float = 0.0
    answered: float = 0.0
    outcome: str = "indeterminate"  # acknowledged | failed | timeout | indeterminate
    report_id: str | None = None


@dataclass
class Result:
    system: str
    requests: list[Request]
    wall_seconds: float
    drain_seconds: float
    persisted_at: dict[str, float] = field(default_factory=dict)  # marker -> epoch seconds
    copies: dict[str, int] = field(default_factory=dict)  # marker -> rows found
    rss_mib: dict[str, float] = field(default_factory=dict)
    # Lapor renders photos after storing the report: seconds from the end of the load until every
    # acknowledged report's photo was ready (None: not measured, or not all ready in time).
    photos_ready_s: float | None = None
    stored_checked: bool = True  # False with --accept-only: nothing was read back from the store

    def acknowledged(self) -> list[Request]:
        return [r for r in self.requests if r.outcome == "acknowledged"]

    def summary(self) -> dict[str, Any]:
        acked = self.acknowledged()
        accept = sorted((r.answered - r.sent) * 1000 for r in acked)
        e2e = sorted(
            (self.persisted_at[r.marker] - r.sent) * 1000 for r in acked if r.marker in self.persisted_at
        )
        lost = sum(1 for r in acked if self.copies.get(r.marker, 0) == 0)
        duplicated = sum(1 for count in self.copies.values() if count > 1)
        answers = {
            "system": self.system,
            "submitted": len(self.requests),
            "acknowledged": len(acked),
            "failed": sum(r.outcome == "failed" for r in self.requests),
            "timeouts": sum(r.outcome == "timeout" for r in self.requests),
            "accepted_per_s": len(acked) / self.wall_seconds if self.wall_seconds else 0.0,
            "accept_p50_ms": _pct(accept, 50),
            "accept_p95_ms": _pct(accept, 95),
            "accept_p99_ms": _pct(accept, 99),
        }
        if not self.stored_checked:
            return answers
        return {
            **answers,
            "end_to_end_s": self.wall_seconds + self.drain_seconds,
            "persist_p50_ms": _pct(e2e, 50),
            "persist_p99_ms": _pct(e2e, 99),
            "lost": lost,
            "duplicated": duplicated,
            **({} if self.photos_ready_s is None else {"photos_ready_s": self.photos_ready_s}),
            **{f"rss_{name}_mib": value for name, value in self.rss_mib.items()},
        }


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def form_for(system: str, marker: str) -> dict[str, str]:
    description = f"Lampu koridor mati, laporan uji {marker}"
    if system == "seed":
        return {"nama": "Bench", "lokasi": "Gedung A", "deskripsi": description, "prioritas": "Sedang"}
    return {
        "reporter_name": "Bench",
        "location": "Gedung A",
        "description": description,
        "priority": "medium",
    }


def encode_form(fields: dict[str, str], photo_field: str, photo: bytes | None) -> tuple[bytes, str]:
    """The request body and its content type, built before the clock starts."""
    if photo is None:
        return urlencode(fields).encode(), "application/x-www-form-urlencoded"
    return multipart_body(fields, file_field=photo_field, photo=photo), MULTIPART_TYPE


async def submit_all(
    system: str,
    url: str,
    n: int,
    concurrency: int,
    rate: float | None,
    photo: bytes | None,
    timeout: float,
    *,
    keep_alive: bool = False,
) -> tuple[list[Request], float]:
    run = uuid.uuid4().hex[:8]
    requests = [Request(seq=i, marker=f"{run}-{i}") for i in range(n)]
    path = "/api/lapor" if system == "seed" else "/api/reports"
    photo_field = "foto" if system == "seed" else "photo"
    queue: asyncio.Queue[Request] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    bodies = [encode_form(form_for(system, request.marker), photo_field, photo) for request in requests]
    kept = concurrency if keep_alive else 0  # 0: a new connection per report (see the docstring)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=kept)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        start = time.time()

        async def one(request: Request) -> None:
            body, content_type = bodies[request.seq]
            request.sent = time.time()
            try:
                response = await client.post(path, content=body, headers={"content-type": content_type})
            except httpx.TimeoutException:
                request.outcome = "timeout"  # indeterminate: it may or may not have been stored
                return
            except httpx.HTTPError:
                request.outcome = "indeterminate"
                return
            request.answered = time.time()
            if response.status_code == 202:
                request.outcome = "acknowledged"
                body = response.json()
                request.report_id = body.get("id") or body.get("id_laporan")
            else:
                request.outcome = "failed"

        async def client_loop() -> None:
            while not queue.empty():
                request = queue.get_nowait()
                if rate:
                    delay = start + request.seq / rate - time.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                await one(request)

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        return requests, time.time() - start


def persisted_lapor(database_url: str, run_markers: set[str]) -> tuple[dict[str, float], dict[str, int]]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT description, updated_at FROM reports WHERE description LIKE :p"),
            {"p": "%laporan uji %"},
        ).all()
    engine.dispose()
    return _tally(((desc.rsplit(" ", 1)[-1], _epoch(at)) for desc, at in rows), run_markers)


def photos_not_ready(database_url: str) -> int:
    """Reports of this benchmark whose photo is not rendered yet (pending, or not stored at all)."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        waiting = conn.scalar(
            text("SELECT count(*) FROM reports WHERE description LIKE :p AND photo_status = 'pending'"),
            {"p": "%laporan uji %"},
        )
    engine.dispose()
    return int(waiting or 0)


def persisted_seed(database_file: str, run_markers: set[str]) -> tuple[dict[str, float], dict[str, int]]:
    try:
        reports = json.loads(Path(database_file).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        reports = []
    return _tally(
        ((r["deskripsi"].rsplit(" ", 1)[-1], r.get("persisted_at", 0.0)) for r in reports), run_markers
    )


def _tally(rows: Any, run_markers: set[str]) -> tuple[dict[str, float], dict[str, int]]:
    at: dict[str, float] = {}
    copies: dict[str, int] = {}
    for marker, when in rows:
        if marker in run_markers:
            copies[marker] = copies.get(marker, 0) + 1
            at.setdefault(marker, when)
    return at, copies


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp() if value.tzinfo else value.replace(tzinfo=None).timestamp() - time.timezone
    parsed = datetime.fromisoformat(str(value))
    return parsed.timestamp() if parsed.tzinfo else parsed.timestamp() - time.timezone


async def run_load(
    system: str,
    url: str,
    *,
    n: int,
    concurrency: int,
    rate: float | None,
    store: str,
    drain_timeout: float = 120.0,
    timeout: float = 30.0,
    photo: bool = True,
    keep_alive: bool = False,
    accept_only: bool = False,
) -> Result:
    jpeg = camera_jpeg() if photo else None
    requests, wall = await submit_all(system, url, n, concurrency, rate, jpeg, timeout, keep_alive=keep_alive)
    if accept_only:
        return Result(system, requests, wall, 0.0, stored_checked=False)
    markers = {r.marker for r in requests}
    acked = {r.marker for r in requests if r.outcome == "acknowledged"}
    read = persisted_seed if system == "seed" else persisted_lapor
    drain_start = time.time()
    while True:
        persisted_at, copies = read(store, markers)
        if acked <= persisted_at.keys() or time.time() - drain_start > drain_timeout:
            break
        await asyncio.sleep(0.1)
    drain = max(0.0, max(persisted_at.values(), default=drain_start) - (requests[0].sent + wall))
    result = Result(system, requests, wall, drain, persisted_at, copies)
    if system == "lapor" and photo:
        result.photos_ready_s = await _photos_ready_after(store, requests[0].sent + wall, drain_timeout)
    return result


async def _photos_ready_after(database_url: str, load_end: float, timeout: float) -> float | None:
    """Seconds after the load ended until no report of the run waits for its photo."""
    deadline = time.time() + timeout
    while photos_not_ready(database_url):
        if time.time() > deadline:
            return None
        await asyncio.sleep(0.2)
    return max(0.0, time.time() - load_end)


def print_table(rows: list[dict[str, Any]]) -> None:
    keys = list(dict.fromkeys(key for row in rows for key in row))  # a figure only one system has too
    for key in keys:
        values = [row.get(key, "-") for row in rows]
        cells = [f"{value:,.1f}" if isinstance(value, float) else str(value) for value in values]
        print(f"{key:<22}" + "".join(f"{cell:>16}" for cell in cells))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--system", choices=["lapor", "seed"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--store", required=True, help="lapor: a sync SQLAlchemy URL; seed: the JSON file")
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("-c", type=int, default=32)
    parser.add_argument("--rate", type=float, default=None, help="steady submissions per second")
    parser.add_argument("--no-photo", action="store_true", help="reports without a photo (form fields only)")
    parser.add_argument("--keep-alive", action="store_true", help="reuse connections (httpx's pool)")
    parser.add_argument("--accept-only", action="store_true", help="time the answers only; no store read")
    args = parser.parse_args()
    result = asyncio.run(
        run_load(
            args.system,
            args.url,
            n=args.n,
            concurrency=args.c,
            rate=args.rate,
            store=args.store,
            photo=not args.no_photo,
            keep_alive=args.keep_alive,
            accept_only=args.accept_only,
        )
    )
    summary = result.summary()
    print_table([summary])
    if summary.get("lost") or summary.get("duplicated"):
        sys.exit("FAILED: acknowledged reports lost or duplicated")


if __name__ == "__main__":
    main()

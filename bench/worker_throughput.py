"""How fast one worker process persists reports, with and without photos.

Puts N ``report.create`` commands straight on the stream of a scratch Redis database, then
times a burst worker (the same code as ``lapor worker --burst``) draining them into a fresh
SQLite file (or the PostgreSQL at --database-url). Prints reports per second.

    .venv/bin/python bench/worker_throughput.py --reports 5000
    .venv/bin/python bench/worker_throughput.py --reports 500 --photos
    .venv/bin/python bench/worker_throughput.py --reports 6000 --processes 2   # two burst workers
    .venv/bin/python -m bench.worker_throughput --reports 6000 --preload 1000000   # into a full table
    .venv/bin/python bench/worker_throughput.py --database-url \
        postgresql+asyncpg://postgres@127.0.0.1:5432/lapor_bench   # dropped and re-created
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import targets
from bench.photos import camera_jpeg
from lapor.broker import keys
from lapor.broker.client import connect
from lapor.config import Settings
from lapor.domain.commands import CreateReport, new_id
from lapor.media import store
from lapor.store.migrate import upgrade
from lapor.worker.loop import Worker
from lapor.worker.transactions import transaction_runner


async def fresh_postgres_database(url: str) -> None:
    """Drop and create the database named in ``url`` (never point this at real data)."""
    base, _, name = url.rpartition("/")
    admin = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


async def run(
    reports: int,
    photos: bool,
    database_url: str | None,
    redis_url: str,
    processes: int = 1,
    preload: int = 0,
) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="lapor-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{data_dir / 'bench.db'}"
    if url.startswith("postgresql"):
        await fresh_postgres_database(url)
    await asyncio.to_thread(upgrade, url)
    if preload:
        from bench.scale import load  # bench.scale imports this module

        start = time.time()
        await load(url, preload)
        print(f"preloaded {preload:,} reports in {time.time() - start:.0f} s")
    settings = Settings(
        env="test", database_url=url, redis_url=redis_url, data_dir=data_dir, worker_batch_size=100
    )
    redis = connect(redis_url)
    await redis.flushdb()
    photo = camera_jpeg() if photos else None
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(reports):
            upload = store.save_upload(settings.upload_dir, photo) if photo else None
            command = CreateReport(
                report_id=new_id(),
                tracking_token_hash="0" * 64,
                reporter_name="Bench",
                category="other",
                location=f"Gedung {i % 20}",
                title=f"Laporan {i}",
                description=f"Laporan uji nomor {i} untuk mengukur kecepatan worker.",
                upload=upload,
            )
            pipe.xadd(
                keys.COMMANDS,
                {"type": command.type, "id": command.command_id, "data": command.model_dump_json()},
            )
        await pipe.execute()
    if processes == 1:
        start, end, processed = await drain(settings)
        spans = [(start, end, processed)]
    else:
        # Each process is a burst worker of its own (its own consumer in the group), as with
        # `lapor worker` started N times; timed from the first start to the last finish.
        context = multiprocessing.get_context("spawn")
        with context.Pool(processes) as pool:
            spans = pool.map(drain_in_process, [settings] * processes)
    elapsed = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    total = sum(processed for _, _, processed in spans)
    await redis.flushdb()
    await redis.aclose()
    shutil.rmtree(data_dir, ignore_errors=True)
    kind = f"with a {len(photo) // 1024} KiB photo" if photo else "without photos"
    rate = total / elapsed
    backend = url.split(":")[0]
    each = " + ".join(str(processed) for _, _, processed in spans)
    print(
        f"{total} reports {kind} in {elapsed:.2f} s by {processes} process(es) ({each}): "
        f"{rate:,.0f} reports/s ({backend})"
    )
    if processes == 1:  # two processes "nearly double" one: compare two runs, see docs/benchmarks.md
        limit = targets.WORKER_PHOTOS_PER_S if photos else targets.WORKER_PER_S
        targets.verdict(f"one worker, reports/s {kind}", rate, limit, "/s", at_least=True)


async def drain(settings: Settings) -> tuple[float, float, int]:
    """One burst worker until the stream is drained: (start, end) wall-clock times and its count."""
    redis = connect(settings.redis_url)
    runner = transaction_runner(settings.resolved_database_url)
    worker = Worker(settings, redis, runner, burst=True)
    start = time.time()
    await worker.run()
    end = time.time()
    await runner.dispose()
    await redis.aclose()
    return start, end, worker.processed


def drain_in_process(settings: Settings) -> tuple[float, float, int]:
    return asyncio.run(drain(settings))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--photos", action="store_true")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--processes", type=int, default=1, help="burst workers draining the stream together")
    parser.add_argument(
        "--preload",
        type=int,
        default=0,
        help="reports put in the database first (as bench/scale.py loads them)",
    )
    args = parser.parse_args()
    asyncio.run(
        run(args.reports, args.photos, args.database_url, args.redis_url, args.processes, args.preload)
    )


if __name__ == "__main__":
    main()

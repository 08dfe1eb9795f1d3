"""How fast one worker process persists reports, with and without photos.

Puts N ``report.create`` commands straight on the stream of a scratch Redis database, then
times a burst worker (the same code as ``lapor worker --burst``) draining them into a fresh
SQLite file (or the PostgreSQL at --database-url). Prints reports per second.

    .venv/bin/python bench/worker_throughput.py --reports 5000
    .venv/bin/python bench/worker_throughput.py --reports 500 --photos
    .venv/bin/python bench/worker_throughput.py --database-url \
        postgresql+asyncpg://postgres@127.0.0.1:5432/lapor_bench   # dropped and re-created
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

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


async def run(reports: int, photos: bool, database_url: str | None, redis_url: str) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="lapor-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{data_dir / 'bench.db'}"
    if url.startswith("postgresql"):
        await fresh_postgres_database(url)
    await asyncio.to_thread(upgrade, url)
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
    runner = transaction_runner(url)
    worker = Worker(settings, redis, runner, burst=True)
    start = time.perf_counter()
    await worker.run()
    elapsed = time.perf_counter() - start
    await runner.dispose()
    await redis.flushdb()
    await redis.aclose()
    kind = f"with a {len(photo) // 1024} KiB photo" if photo else "without photos"
    rate = worker.processed / elapsed
    backend = url.split(":")[0]
    print(f"{worker.processed} reports {kind} in {elapsed:.2f} s: {rate:,.0f} reports/s ({backend})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--photos", action="store_true")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()
    asyncio.run(run(args.reports, args.photos, args.database_url, args.redis_url))


if __name__ == "__main__":
    main()

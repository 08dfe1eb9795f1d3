"""Fixtures over real services: Redis DB 15 (flushed per test), SQLite files and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from lapor.app import create_app
from lapor.broker.client import connect
from lapor.config import Settings
from lapor.domain.categories import DEFAULT_CATEGORIES
from lapor.push.sender import PushSender
from lapor.push.vapid import load_vapid
from lapor.store.engine import create_engine
from lapor.store.migrate import upgrade
from lapor.worker.loop import Worker
from lapor.worker.notifier import Notifier
from lapor.worker.transactions import transaction_runner
from tests.factories import StaffUser, create_staff
from tests.pushservice import PushService

# Own Redis DB and database, never the ones `make run` uses; override to run two suites at once.
TEST_REDIS_URL = os.environ.get("LAPOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get("LAPOR_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
_CLEAN_TABLES = (
    "push_deliveries",
    "push_subscriptions",
    "report_supporters",
    "timeline_entries",
    "processed_commands",
    "legacy_reports",
    "reports",
    "audit_log",
    "invitations",
    "users",
    "rooms",
    "buildings",
)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'lapor.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    async def reset() -> None:
        base, _, name = POSTGRES_URL.rpartition("/")
        server = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        async with server.connect() as conn:
            exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await server.dispose()
        engine = create_async_engine(POSTGRES_URL)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())
    upgrade(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """SQLite unless a test asks for both backends with ``@both_backends``."""
    backend = getattr(request, "param", "sqlite")
    url: str = request.getfixturevalue(f"{backend}_url")
    return url


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(database_url: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "env": "test",
            "database_url": database_url,
            "redis_url": TEST_REDIS_URL,
            "data_dir": tmp_path / "data",
            "worker_claim_idle_seconds": 1.0,
            "worker_block_ms": 100,
            "worker_heartbeat_seconds": 1.0,
            "worker_db_retry_max_seconds": 0.5,
            "sse_keepalive_seconds": 1.0,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    return make_settings(database_url)


async def _restore_categories(conn: AsyncConnection) -> None:
    """The categories a campus starts with, as the first migration made them (admins change them)."""
    await conn.execute(text("DELETE FROM categories"))
    await conn.execute(
        text(
            "INSERT INTO categories (slug, name_id, name_en, position, active) VALUES (:s, :i, :e, :p, true)"
        ),
        [{"s": s, "i": i, "e": e, "p": n} for n, (s, i, e) in enumerate(DEFAULT_CATEGORIES)],
    )


async def _clean_database(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        for table in _CLEAN_TABLES:
            await conn.execute(text(f"DELETE FROM {table}"))
        await conn.execute(text("UPDATE status_counts SET count = 0"))
        await _restore_categories(conn)
    await engine.dispose()


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = connect(settings.redis_url)
    await client.flushdb()
    await _clean_database(settings.resolved_database_url)
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def engine(settings: Settings, redis: Redis) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.resolved_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(settings: Settings, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP against the real app (in process), with its lifespan running."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lapor.test") as http:
            yield http


@pytest.fixture
def drain(settings: Settings, redis: Redis) -> Callable[[], object]:
    """Run a burst worker until every command in the stream is applied or dead-lettered."""

    async def run(**overrides: object) -> Worker:
        worker_settings = settings.model_copy(update=overrides) if overrides else settings
        runner = transaction_runner(worker_settings.resolved_database_url)
        worker = Worker(worker_settings, redis, runner, burst=True)
        try:
            await asyncio.wait_for(worker.run(), timeout=60)
        finally:
            await runner.dispose()
        return worker

    return run


@pytest.fixture
async def admin(settings: Settings, redis: Redis, client: httpx.AsyncClient) -> StaffUser:
    return await create_staff(settings, client, username="admin", role="admin")


@pytest.fixture
async def technician(settings: Settings, redis: Redis, client: httpx.AsyncClient) -> StaffUser:
    return await create_staff(settings, client, username="tek", role="technician")


@pytest.fixture
def env_for(settings: Settings) -> Callable[..., dict[str, str]]:
    """The environment a subprocess (lapor api / lapor worker) needs to join this test."""

    def build(**extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAPOR_")}
        env.update(
            LAPOR_ENV="test",
            LAPOR_DATABASE_URL=settings.resolved_database_url,
            LAPOR_REDIS_URL=settings.redis_url,
            LAPOR_DATA_DIR=str(settings.data_dir),
            LAPOR_WORKER_CLAIM_IDLE_SECONDS=str(settings.worker_claim_idle_seconds),
            LAPOR_WORKER_BLOCK_MS="100",
        )
        env.update(extra)
        return env

    return build


@pytest.fixture
def tmp_cwd(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


@pytest.fixture
def service() -> Iterator[PushService]:
    """A local Web Push service: it checks each push's VAPID signature and decrypts it."""
    with PushService() as push_service:
        yield push_service


@pytest.fixture
async def notifier(settings: Settings, redis: Redis) -> AsyncIterator[Notifier]:
    """A running notifier, as ``lapor worker`` runs one beside its command loop (a module using it
    overrides ``settings`` to allow the push service's plain-HTTP address)."""
    runner = transaction_runner(settings.resolved_database_url)
    sender = PushSender(settings, load_vapid(settings))
    running = Notifier(settings, redis, runner, sender, name="test-notifier")
    stop = asyncio.Event()
    task = asyncio.create_task(running.run(stop))
    yield running
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)
    await sender.aclose()
    await runner.dispose()

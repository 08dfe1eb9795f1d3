"""Running one command's database work in one transaction, the fastest way each backend allows.

The handlers are plain synchronous SQLAlchemy code. On SQLite they run in one dedicated thread
on a blocking engine: one thread hop per command. Elsewhere (PostgreSQL via asyncpg) they run
through ``AsyncSession.run_sync``, so the driver's own async I/O is used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from lapor.config import Settings
from lapor.store.engine import create_engine, create_sessionmaker, create_sync_sqlite_engine, is_sqlite

T = TypeVar("T")


class TransactionRunner(Protocol):
    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction: committed if it returns, rolled back if it raises."""

    async def dispose(self) -> None: ...


class _ThreadRunner:
    def __init__(self, url: str) -> None:
        self._engine = create_sync_sqlite_engine(url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        # One thread: SQLite has one writer anyway, and the connection stays with its thread.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lapor-sqlite")

    async def run(self, work: Callable[[Session], T]) -> T:
        def in_transaction() -> T:
            with self._sessions.begin() as session:
                return work(session)

        return await asyncio.get_running_loop().run_in_executor(self._executor, in_transaction)

    async def dispose(self) -> None:
        self._executor.shutdown(wait=True)
        self._engine.dispose()


class _AsyncRunner:
    def __init__(self, url: str, pool_size: int, statement_timeout_ms: int, lock_timeout_ms: int) -> None:
        self._engine = create_engine(
            url,
            writer=True,
            pool_size=pool_size,
            statement_timeout_ms=statement_timeout_ms,
            lock_timeout_ms=lock_timeout_ms,
        )
        self._sessions = create_sessionmaker(self._engine)

    async def run(self, work: Callable[[Session], T]) -> T:
        async with self._sessions.begin() as session:
            return await session.run_sync(work)

    async def dispose(self) -> None:
        await self._engine.dispose()


def transaction_runner(
    database_url: str, *, pool_size: int = 2, statement_timeout_ms: int = 0, lock_timeout_ms: int = 0
) -> TransactionRunner:
    """The timeouts apply to PostgreSQL sessions only (0: none); see ``store.engine.create_engine``."""
    if is_sqlite(database_url):
        return _ThreadRunner(database_url)
    return _AsyncRunner(database_url, pool_size, statement_timeout_ms, lock_timeout_ms)


def worker_runner(settings: Settings) -> TransactionRunner:
    """The runner a worker process uses: its database, with the configured session timeouts.

    Three connections: the command loop, the notifier and the photo stage each hold one at most.
    """
    return transaction_runner(
        settings.resolved_database_url,
        pool_size=3,
        statement_timeout_ms=settings.database_statement_timeout_ms,
        lock_timeout_ms=settings.database_lock_timeout_ms,
    )

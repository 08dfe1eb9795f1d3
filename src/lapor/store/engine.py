"""Database engines: SQLite (embedded, WAL) by default, PostgreSQL when the URL says so."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(
    url: str,
    *,
    writer: bool = False,
    pool_size: int = 5,
    statement_timeout_ms: int = 0,
    lock_timeout_ms: int = 0,
) -> AsyncEngine:
    """An async engine with the settings each backend needs to be safe under several processes.

    ``writer`` engines (the worker's) start SQLite transactions with ``BEGIN IMMEDIATE``: a
    transaction that reads and then writes takes the write lock up front and waits for it,
    instead of failing when another worker process committed in between.

    On PostgreSQL, ``statement_timeout_ms`` and ``lock_timeout_ms`` (0: none) are set on every
    session: one stuck row lock then fails a statement instead of stalling a worker, and the
    workers that reclaim its entries, for ever. (SQLite waits at most its busy timeout.)
    """
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        begin = "BEGIN IMMEDIATE" if writer else "BEGIN"
        event.listen(engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        return engine
    server_settings = {
        name: str(value)
        for name, value in (("statement_timeout", statement_timeout_ms), ("lock_timeout", lock_timeout_ms))
        if value
    }
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": server_settings} if server_settings else {},
    )


def create_sync_sqlite_engine(url: str) -> Engine:
    """A plain (blocking) SQLite engine on the same file, with the writer's settings.

    The worker runs each command's statements on it in one thread hop, instead of one hop per
    statement through aiosqlite: the same transaction, several times faster.
    """
    engine = create_sync_engine(url.replace("sqlite+aiosqlite:", "sqlite:", 1), connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is turned off so that BEGIN IMMEDIATE below is ours:
    # a writer takes the lock at the start of its transaction instead of failing to upgrade it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()

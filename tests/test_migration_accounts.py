"""Migration 0008 (invitations, the audit log, a category's default priority) on a database that
already holds staff, categories and reports: on SQLite and on PostgreSQL, up, down and up again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from lapor.store.migrate import alembic_config, upgrade
from tests.conftest import POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (the suite's shared ones are at head already)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    base, _, name = POSTGRES_URL.rpartition("/")
    url = f"{base}/{name}_migrate"

    async def recreate(drop_only: bool = False) -> None:
        server = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        async with server.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}_migrate"'))
            if not drop_only:
                await conn.execute(text(f'CREATE DATABASE "{name}_migrate"'))
        await server.dispose()

    asyncio.run(recreate())
    try:
        yield url
    finally:
        asyncio.run(recreate(drop_only=True))


async def _execute(url: str, *statements: tuple[str, dict[str, object]]) -> list[list[object]]:
    engine = create_async_engine(url)
    results = []
    try:
        async with engine.begin() as conn:
            for sql, params in statements:
                result = await conn.execute(text(sql), params)
                results.append([tuple(row) for row in result] if result.returns_rows else [])
    finally:
        await engine.dispose()
    return results


def test_0008_keeps_existing_data_and_goes_down_and_up(empty_database: str) -> None:
    url = empty_database
    upgrade(url, "0006")
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    asyncio.run(
        _execute(
            url,
            (
                "INSERT INTO users (username, display_name, role, password_hash, active, created_at) "
                "VALUES ('siti', 'Bu Siti', 'admin', '$argon2id$x', true, :now)",
                {"now": now},
            ),
            (
                "INSERT INTO reports (id, tracking_token_hash, title, description, category, location, "
                "priority, priority_rank, status, reporter_name, language, photo_status, created_at, "
                "updated_at) VALUES "
                "('00000000-0000-4000-8000-000000000001', 'h', 'AC bocor', 'd', 'other', 'B', 'normal', 2, "
                "'pending', 'Ani', 'id', 'none', :now, :now)",
                {"now": now},
            ),
        )
    )
    upgrade(url, "0008")
    (categories, users, reports) = asyncio.run(
        _execute(
            url,
            ("SELECT slug, default_priority, active FROM categories ORDER BY position", {}),
            ("SELECT username, role, active FROM users", {}),
            ("SELECT category FROM reports", {}),
        )
    )
    assert len(categories) == 9 and {c[1] for c in categories} == {"normal"}
    assert users == [("siti", "admin", True)] and reports == [("other",)]
    asyncio.run(
        _execute(
            url,
            (
                "INSERT INTO invitations (token_hash, user_id, purpose, created_at, expires_at) "
                "SELECT :h, id, 'reset', :now, :now FROM users",
                {"h": "a" * 64, "now": now},
            ),
            (
                "INSERT INTO audit_log (at, command_id, actor_name, action, target_type, target) "
                "VALUES (:now, 'c', 'Bu Siti', 'user.reset', 'user', 'siti')",
                {"now": now},
            ),
        )
    )
    command.downgrade(alembic_config(url), "0006")
    upgrade(url, "0008")
    (invitations,) = asyncio.run(_execute(url, ("SELECT count(*) FROM invitations", {})))
    assert invitations == [(0,)]

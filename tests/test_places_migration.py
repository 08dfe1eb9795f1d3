"""Migration 0007 on a database that already holds reports, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from lapor.store.migrate import alembic_config, upgrade
from tests.conftest import POSTGRES_URL


async def _fresh_postgres(name: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    server = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with server.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await server.dispose()
    return f"{base}/{name}"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_existing_reports_keep_their_location_and_name_no_room(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        url = asyncio.run(_fresh_postgres(POSTGRES_URL.rpartition("/")[2] + "_mig7"))
    upgrade(url, "0006")
    now = datetime.now(UTC)

    async def run(sql: str, **params: object) -> list[tuple[object, ...]]:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            rows = [tuple(row) for row in result] if result.returns_rows else []
        await engine.dispose()
        return rows

    asyncio.run(
        run(
            "INSERT INTO reports (id, tracking_token_hash, title, description, category, location, priority,"
            " priority_rank, status, reporter_name, language, photo_status, created_at, updated_at)"
            " VALUES ('00000000-0000-0000-0000-000000000001', 'h', 'AC bocor', 'AC bocor sejak pagi',"
            " 'other', 'Gedung A ruang 204', 'normal', 2, 'pending', 'Budi', 'id', 'none', :now, :now)",
            now=now,
        )
    )
    upgrade(url)
    rows = asyncio.run(run("SELECT location, room_code, building_code FROM reports"))
    assert rows == [("Gedung A ruang 204", None, None)]
    assert asyncio.run(run("SELECT count(*) FROM rooms")) == [(0,)]
    command.downgrade(alembic_config(url), "0006")  # and back, for an operator who must roll back
    assert asyncio.run(run("SELECT location FROM reports")) == [("Gedung A ruang 204",)]

"""Migrations keep what earlier ones built: a later one must not drop the text search's triggers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from lapor.store.migrate import alembic_config, upgrade

TRIGGERS = [("reports_fts_delete",), ("reports_fts_insert",)]


def _triggers(path: Path) -> list[tuple[str]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()


def test_the_text_search_triggers_survive_every_migration_and_its_downgrade(tmp_path: Path) -> None:
    path = tmp_path / "lapor.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    assert _triggers(path) == TRIGGERS
    command.downgrade(alembic_config(url), "0008")
    assert _triggers(path) == TRIGGERS
    upgrade(url)
    assert _triggers(path) == TRIGGERS

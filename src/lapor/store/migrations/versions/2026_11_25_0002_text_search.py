"""Text search that stays fast at a million reports.

SQLite: an FTS5 table with the trigram tokenizer (substring search, any case), filled by a
trigger. PostgreSQL: pg_trgm GIN indexes, which serve the same ILIKE '%…%' queries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SEARCHED = ("title", "description", "location")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Its own copy of the text, keyed by report id: an external-content table would rely on
        # implicit rowids, which VACUUM may renumber for a table with a text primary key.
        op.execute(
            "CREATE VIRTUAL TABLE reports_fts USING fts5("
            "report_id UNINDEXED, title, description, location, tokenize='trigram')"
        )
        op.execute(
            "INSERT INTO reports_fts (report_id, title, description, location) "
            "SELECT id, title, description, location FROM reports"
        )
        op.execute(
            "CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN "
            "INSERT INTO reports_fts (report_id, title, description, location) "
            "VALUES (new.id, new.title, new.description, new.location); END"
        )
        op.execute(
            "CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN "
            "DELETE FROM reports_fts WHERE report_id = old.id; END"
        )
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in _SEARCHED:
            op.execute(f"CREATE INDEX ix_reports_{column}_trgm ON reports USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS reports_fts_delete")
        op.execute("DROP TRIGGER IF EXISTS reports_fts_insert")
        op.execute("DROP TABLE IF EXISTS reports_fts")
    else:
        for column in _SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_reports_{column}_trgm")

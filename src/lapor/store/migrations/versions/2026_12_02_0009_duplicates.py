"""Duplicates: "me too" supporters, merging, hiding, and categories that are never public.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("me_too", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("supporter_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.String(36), nullable=True))
        batch.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_reports_me_too_created", "reports", ["me_too", "created_at", "id"])
    op.create_index("ix_reports_duplicate_of", "reports", ["duplicate_of"])
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("never_public", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("push_subscriptions") as batch:
        batch.add_column(sa.Column("audience", sa.String(10), nullable=False, server_default="reporter"))
    op.create_table(
        "report_supporters",
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("supporter_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_supporters_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "supporter_hash", name=op.f("pk_report_supporters")),
    )
    op.execute("INSERT INTO status_counts (status, count) VALUES ('duplicate', 0)")
    _restore_search_triggers()


def _restore_search_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilds ``reports`` (a copy of the table), which
        # drops its triggers: the text search's (0002) are made again, or new reports go unfound.
        op.execute(
            "CREATE TRIGGER IF NOT EXISTS reports_fts_insert AFTER INSERT ON reports BEGIN "
            "INSERT INTO reports_fts (report_id, title, description, location) "
            "VALUES (new.id, new.title, new.description, new.location); END"
        )
        op.execute(
            "CREATE TRIGGER IF NOT EXISTS reports_fts_delete AFTER DELETE ON reports BEGIN "
            "DELETE FROM reports_fts WHERE report_id = old.id; END"
        )


def downgrade() -> None:
    op.execute("DELETE FROM status_counts WHERE status = 'duplicate'")
    op.drop_table("report_supporters")
    with op.batch_alter_table("push_subscriptions") as batch:
        batch.drop_column("audience")
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("never_public")
    op.drop_index("ix_reports_duplicate_of", table_name="reports")
    op.drop_index("ix_reports_me_too_created", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("hidden")
        batch.drop_column("duplicate_of")
        batch.drop_column("supporter_hash")
        batch.drop_column("me_too")
    _restore_search_triggers()

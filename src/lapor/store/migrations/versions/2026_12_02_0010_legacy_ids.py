"""The original project's report ids, kept as aliases of imported reports (``lapor import-seed``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legacy_reports",
        sa.Column("legacy_id", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_legacy_reports_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("legacy_id", name=op.f("pk_legacy_reports")),
        sa.UniqueConstraint("report_id", name=op.f("uq_legacy_reports_report_id")),
    )


def downgrade() -> None:
    op.drop_table("legacy_reports")

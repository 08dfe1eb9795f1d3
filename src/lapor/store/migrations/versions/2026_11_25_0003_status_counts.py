"""Counts of reports per status, kept by the worker.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_STATUSES = ("pending", "in_progress", "resolved", "rejected")


def upgrade() -> None:
    counts = op.create_table(
        "status_counts",
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_status_counts")),
    )
    op.bulk_insert(counts, [{"status": status, "count": 0} for status in _STATUSES])
    op.execute(
        "UPDATE status_counts SET count = "
        "(SELECT count(*) FROM reports WHERE reports.status = status_counts.status)"
    )


def downgrade() -> None:
    op.drop_table("status_counts")

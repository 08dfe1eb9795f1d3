"""Indexes for forgetting old idempotency records: processed commands and push deliveries by age.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_processed_commands_processed_at", "processed_commands", ["processed_at"])
    op.create_index("ix_push_deliveries_sent_at", "push_deliveries", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_push_deliveries_sent_at", table_name="push_deliveries")
    op.drop_index("ix_processed_commands_processed_at", table_name="processed_commands")

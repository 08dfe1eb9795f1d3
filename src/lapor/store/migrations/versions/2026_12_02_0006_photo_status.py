"""Photos rendered after the report is stored: reports.photo_status and reports.photo_upload.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("photo_status", sa.String(20), nullable=False, server_default="none"))
        batch.add_column(sa.Column("photo_upload", sa.String(80), nullable=True))
    # Reports stored before: a photo was rendered with the report, or it was unusable and the
    # system rejected the report with the reason (a catalogue key ``photo.…``) as the note.
    op.execute("UPDATE reports SET photo_status = 'ready' WHERE photo IS NOT NULL")
    op.execute(
        "UPDATE reports SET photo_status = 'unusable' WHERE photo IS NULL AND id IN ("
        "SELECT report_id FROM timeline_entries WHERE actor_role = 'system' AND note LIKE 'photo.%')"
    )
    op.create_index("ix_reports_photo_status_created", "reports", ["photo_status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_reports_photo_status_created", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("photo_upload")
        batch.drop_column("photo_status")

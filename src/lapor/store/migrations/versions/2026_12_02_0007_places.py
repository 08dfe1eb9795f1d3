"""Places: buildings and rooms, and the room a report names.

Existing reports keep their free-text location and name no room (both new columns are null).
The search over rooms is a substring match on ``rooms.search``: PostgreSQL serves it from a
pg_trgm GIN index (the extension is already there since 0002); on SQLite it reads the rooms
table, a few milliseconds at 20,000 rooms.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "buildings",
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("campus", sa.String(80), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_buildings"),
    )
    op.create_table(
        "rooms",
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("building_code", sa.String(20), nullable=False),
        sa.Column("floor", sa.String(10), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("search", sa.String(400), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_rooms"),
        sa.ForeignKeyConstraint(
            ["building_code"], ["buildings.code"], name="fk_rooms_building_code_buildings"
        ),
    )
    op.create_index("ix_rooms_building", "rooms", ["building_code", "code"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_rooms_search_trgm ON rooms USING gin (search gin_trgm_ops)")
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("room_code", sa.String(20), nullable=True))
        batch.add_column(sa.Column("building_code", sa.String(20), nullable=True))
    op.create_index("ix_reports_room_created", "reports", ["room_code", "created_at", "id"])
    op.create_index("ix_reports_building_created", "reports", ["building_code", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_reports_building_created", table_name="reports")
    op.drop_index("ix_reports_room_created", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("building_code")
        batch.drop_column("room_code")
    op.drop_table("rooms")
    op.drop_table("buildings")

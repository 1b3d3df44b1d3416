"""Customer phone numbers up to 255 characters, as the appointment API (003) allows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.alter_column(
            "phone", existing_type=sa.String(64), type_=sa.String(255), existing_nullable=True
        )


def downgrade() -> None:
    # Numbers longer than 64 characters would not fit any more: cut them (the booking's own
    # contact details keep the whole number).
    op.execute("UPDATE customers SET phone = substr(phone, 1, 64) WHERE length(phone) > 64")
    with op.batch_alter_table("customers") as batch:
        batch.alter_column(
            "phone", existing_type=sa.String(255), type_=sa.String(64), existing_nullable=True
        )

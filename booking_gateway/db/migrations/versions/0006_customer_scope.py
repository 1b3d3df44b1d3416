"""Customer tokens: an index of a customer's bookings in (sort_at, id) order, so that a
customer's pages and lookups read that customer's rows only, whatever the tenant's size; and the
customer who made a hold (only that customer sees and confirms it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reservations", sa.Column("customer_key", sa.String(48), nullable=True))
    op.create_index(
        "ix_bookings_tenant_id_customer_id_sort_at_id",
        "bookings",
        ["tenant_id", "customer_id", "sort_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_tenant_id_customer_id_sort_at_id", table_name="bookings")
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("customer_key")

"""Indexes for change request pages in (requested_at, id) order, of one status or of all: a
page reads its rows in order from the index instead of sorting every request of the tenant.

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
    op.create_index(
        "ix_change_requests_tenant_id_status_requested_at_id",
        "change_requests",
        ["tenant_id", "status", "requested_at", "id"],
    )
    op.create_index(
        "ix_change_requests_tenant_id_requested_at_id",
        "change_requests",
        ["tenant_id", "requested_at", "id"],
    )
    # Its columns lead the first index above.
    op.drop_index("ix_change_requests_tenant_id_status", table_name="change_requests")


def downgrade() -> None:
    op.create_index(
        "ix_change_requests_tenant_id_status", "change_requests", ["tenant_id", "status"]
    )
    op.drop_index("ix_change_requests_tenant_id_requested_at_id", table_name="change_requests")
    op.drop_index(
        "ix_change_requests_tenant_id_status_requested_at_id", table_name="change_requests"
    )

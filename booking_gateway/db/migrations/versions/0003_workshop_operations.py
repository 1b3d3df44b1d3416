"""Workshop operations: messages, change requests, service history, list order, participants,
resource subjects, and the change feed's transaction ids.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking_gateway.db.types import JsonDocument, UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    txid_default = "(pg_current_xact_id()::text::bigint)" if postgresql else "0"
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(
            sa.Column("txid", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
        )
        batch.create_index("ix_audit_events_tenant_id_txid_id", ["tenant_id", "txid", "id"])
    if postgresql:
        op.execute(f"ALTER TABLE audit_events ALTER COLUMN txid SET DEFAULT {txid_default}")
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("sort_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("participants", JsonDocument(), nullable=True))
        batch.create_index("ix_bookings_tenant_id_sort_at_id", ["tenant_id", "sort_at", "id"])
    # Existing rows: the start, else midnight (UTC) of the date.
    op.execute(
        "UPDATE bookings SET sort_at = COALESCE(appointment_at, appointment_date)"
        if postgresql
        else "UPDATE bookings SET sort_at = COALESCE(appointment_at, "
        "appointment_date || ' 00:00:00.000000')"
    )
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("subject", sa.String(255), nullable=True))
    op.create_table(
        "booking_messages",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("author_subject", sa.String(255), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("body", sa.String(4000), nullable=False),
        sa.Column("attachments", JsonDocument(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_booking_messages_booking_id_bookings"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_booking_messages"),
    )
    op.create_index(
        "ix_booking_messages_tenant_id_booking_id", "booking_messages", ["tenant_id", "booking_id"]
    )
    op.create_table(
        "change_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", JsonDocument(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decision_note", sa.String(2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_change_requests_booking_id_bookings"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_change_requests"),
    )
    op.create_index(
        "ix_change_requests_tenant_id_status", "change_requests", ["tenant_id", "status"]
    )
    op.create_table(
        "service_history",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("vin", sa.String(17), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("workshop_id", sa.String(36), nullable=True),
        sa.Column("service_id", sa.String(36), nullable=True),
        sa.Column("summary", sa.String(1000), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_service_history_booking_id_bookings"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_service_history"),
    )
    op.create_index("ix_service_history_tenant_id_vin", "service_history", ["tenant_id", "vin"])


def downgrade() -> None:
    for table in ("service_history", "change_requests", "booking_messages"):
        op.drop_table(table)
    with op.batch_alter_table("resources") as batch:
        batch.drop_column("subject")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_index("ix_bookings_tenant_id_sort_at_id")
        batch.drop_column("participants")
        batch.drop_column("sort_at")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index("ix_audit_events_tenant_id_txid_id")
        batch.drop_column("txid")

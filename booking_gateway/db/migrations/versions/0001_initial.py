"""Tenants, workshops, bookings and their audit events.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking_gateway.db.types import JsonDocument, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("settings", JsonDocument(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
    )
    op.create_table(
        "workshops",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("dealer_number", sa.String(64), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workshops"),
        sa.UniqueConstraint(
            "tenant_id", "dealer_number", name="uq_workshops_tenant_id_dealer_number"
        ),
    )
    op.create_index("ix_workshops_tenant_id", "workshops", ["tenant_id"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("workshop_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("external_id", sa.String(128), nullable=True),
        sa.Column("vin", sa.String(17), nullable=True),
        sa.Column("dealer_number", sa.String(64), nullable=True),
        sa.Column("fleet_id", sa.String(64), nullable=True),
        sa.Column("external_workshop_id", sa.String(64), nullable=True),
        sa.Column("reason_key", sa.String(64), nullable=True),
        sa.Column("reason_text", sa.String(1000), nullable=True),
        sa.Column("appointment_precision", sa.String(16), nullable=False),
        sa.Column("appointment_date", sa.Date(), nullable=False),
        sa.Column("appointment_at", UtcDateTime(), nullable=True),
        sa.Column("booking_created_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name="fk_bookings_workshop_id_workshops"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.UniqueConstraint(
            "tenant_id", "source", "external_id", name="uq_bookings_tenant_id_source_external_id"
        ),
    )
    op.create_index("ix_bookings_tenant_id_external_id", "bookings", ["tenant_id", "external_id"])
    op.create_index("ix_bookings_tenant_id_vin", "bookings", ["tenant_id", "vin"])
    op.create_index(
        "ix_bookings_tenant_id_appointment_date", "bookings", ["tenant_id", "appointment_date"]
    )
    op.create_table(
        "audit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("actor_subject", sa.String(255), nullable=False),
        sa.Column("user_agent", sa.String(512), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("before", JsonDocument(), nullable=True),
        sa.Column("after", JsonDocument(), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_audit_events_booking_id_bookings"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index(
        "ix_audit_events_tenant_id_booking_id", "audit_events", ["tenant_id", "booking_id"]
    )


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("bookings")
    op.drop_table("workshops")
    op.drop_table("tenants")

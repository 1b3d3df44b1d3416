"""Table definitions (SQLAlchemy Core). Migrations in ``db/migrations`` create exactly these;
a test compares the two."""

from __future__ import annotations

import sqlalchemy as sa

from booking_gateway.db.types import JsonDocument, UtcDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("settings", JsonDocument(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

workshops = sa.Table(
    "workshops",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("dealer_number", sa.String(64), nullable=True),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("tenant_id", "dealer_number"),
    sa.Index("ix_workshops_tenant_id", "tenant_id"),
)

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("workshop_id", sa.String(36), sa.ForeignKey("workshops.id"), nullable=True),
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
    # The retry key of the dealer import: (tenant, bookingSource, bookingId).
    sa.UniqueConstraint("tenant_id", "source", "external_id"),
    sa.Index("ix_bookings_tenant_id_external_id", "tenant_id", "external_id"),
    sa.Index("ix_bookings_tenant_id_vin", "tenant_id", "vin"),
    sa.Index("ix_bookings_tenant_id_appointment_date", "tenant_id", "appointment_date"),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("booking_id", sa.String(36), sa.ForeignKey("bookings.id"), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("occurred_at", UtcDateTime(), nullable=False),
    sa.Column("actor_subject", sa.String(255), nullable=False),
    sa.Column("user_agent", sa.String(512), nullable=True),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("before", JsonDocument(), nullable=True),
    sa.Column("after", JsonDocument(), nullable=True),
    sa.Index("ix_audit_events_tenant_id_booking_id", "tenant_id", "booking_id"),
)

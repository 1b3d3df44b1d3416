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
    # Bumped with every change of the settings or the workshops (dealer numbers, time zones).
    sa.Column("config_revision", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    # The next visit's order number (BRP order.number).
    sa.Column("next_order_number", sa.BigInteger(), nullable=False, server_default=sa.text("1")),
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
    sa.Column("address", JsonDocument(), nullable=True),
    sa.Column("latitude", sa.Float(), nullable=True),
    sa.Column("longitude", sa.Float(), nullable=True),
    # {"0": [["08:00", "16:00"]], ...} weekday 0 = Monday; {"2026-12-24": []} replaces a day.
    sa.Column("opening_hours", JsonDocument(), nullable=True),
    sa.Column("special_days", JsonDocument(), nullable=True),
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
    # Online bookings (one row per service line; lines of one visit share group_id).
    sa.Column("group_id", sa.String(36), nullable=True),
    sa.Column("service_id", sa.String(36), sa.ForeignKey("services.id"), nullable=True),
    sa.Column("ends_at", UtcDateTime(), nullable=True),
    sa.Column("spots", sa.Integer(), nullable=True),
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id"), nullable=True),
    sa.Column("reservation_id", sa.String(36), nullable=True),
    sa.Column("resource_ids", JsonDocument(), nullable=True),
    sa.Column("details", JsonDocument(), nullable=True),
    # Workshop operations: list order (the start, or local midnight of a date-only
    # appointment, in UTC) and people on the booking.
    sa.Column("sort_at", UtcDateTime(), nullable=True),
    sa.Column("participants", JsonDocument(), nullable=True),
    # The retry key of the dealer import: (tenant, bookingSource, bookingId).
    sa.UniqueConstraint("tenant_id", "source", "external_id"),
    sa.Index("ix_bookings_tenant_id_external_id", "tenant_id", "external_id"),
    sa.Index("ix_bookings_tenant_id_vin", "tenant_id", "vin"),
    sa.Index("ix_bookings_tenant_id_appointment_date", "tenant_id", "appointment_date"),
    sa.Index("ix_bookings_tenant_id_group_id", "tenant_id", "group_id"),
    sa.Index("ix_bookings_tenant_id_sort_at_id", "tenant_id", "sort_at", "id"),
    sa.Index(
        "ix_bookings_tenant_id_customer_id_sort_at_id", "tenant_id", "customer_id", "sort_at", "id"
    ),
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
    # The writing transaction's id (PostgreSQL: pg_current_xact_id(), set by the column's
    # default in migration 0003; SQLite: 0, its writers are serialised). The change feed uses
    # it to never pass an event whose transaction may still commit.
    sa.Column("txid", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Index("ix_audit_events_tenant_id_booking_id", "tenant_id", "booking_id"),
    sa.Index("ix_audit_events_tenant_id_txid_id", "tenant_id", "txid", "id"),
)

services = sa.Table(
    "services",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    # Everything a service is configured with (names per language, duration, capacity,
    # questions, custom fields...) as one document: see domain.catalog.Service.
    sa.Column("definition", JsonDocument(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index("ix_services_tenant_id", "tenant_id"),
)

service_workshops = sa.Table(
    "service_workshops",
    metadata,
    sa.Column("service_id", sa.String(36), sa.ForeignKey("services.id"), primary_key=True),
    sa.Column("workshop_id", sa.String(36), sa.ForeignKey("workshops.id"), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
)

service_groups = sa.Table(
    "service_groups",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("names", JsonDocument(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("service_ids", JsonDocument(), nullable=False),
    sa.Index("ix_service_groups_tenant_id", "tenant_id"),
)

resources = sa.Table(
    "resources",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("workshop_id", sa.String(36), sa.ForeignKey("workshops.id"), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    # The token `sub` of a person who is this resource ("bookings where I am the resource").
    sa.Column("subject", sa.String(255), nullable=True),
    sa.Index("ix_resources_tenant_id_workshop_id", "tenant_id", "workshop_id"),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("personal_identifier", sa.String(48), nullable=False),
    sa.Column("first_name", sa.String(255), nullable=False),
    sa.Column("last_name", sa.String(255), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("phone", sa.String(255), nullable=True),
    sa.Column("date_of_birth", sa.Date(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("tenant_id", "personal_identifier"),
)

reservations = sa.Table(
    "reservations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("workshop_id", sa.String(36), sa.ForeignKey("workshops.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("starts_at", UtcDateTime(), nullable=False),
    sa.Column("ends_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("spots", sa.Integer(), nullable=False),
    # Allocated lines: service, times (with buffers), resources; and the request's extras.
    sa.Column("lines", JsonDocument(), nullable=False),
    sa.Column("notes", sa.String(2000), nullable=True),
    sa.Column("group_id", sa.String(36), nullable=True),
    sa.Column("created_by", sa.String(255), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # A customer token's personal identifier: a hold made by a customer is only theirs.
    sa.Column("customer_key", sa.String(48), nullable=True),
    sa.Index("ix_reservations_tenant_id_workshop_id", "tenant_id", "workshop_id"),
)

# What occupies capacity and resources: one row per booked or held service line and resource
# (resource_id NULL for the line's capacity). Reads build the scheduler's busy lines from it.
allocations = sa.Table(
    "allocations",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("workshop_id", sa.String(36), nullable=False),
    sa.Column("line_id", sa.String(64), nullable=False),
    # Lines of one visit may share a resource across their buffers (the car stays on the lift).
    sa.Column("visit_id", sa.String(36), nullable=False),
    sa.Column("service_id", sa.String(36), nullable=True),
    sa.Column("resource_id", sa.String(36), nullable=True),
    sa.Column("starts_at", UtcDateTime(), nullable=False),
    sa.Column("ends_at", UtcDateTime(), nullable=False),
    sa.Column("spots", sa.Integer(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=True),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("booking_id", sa.String(36), nullable=True),
    sa.Column("reservation_id", sa.String(36), nullable=True),
    sa.Index(
        "ix_allocations_tenant_id_workshop_id_starts_at", "tenant_id", "workshop_id", "starts_at"
    ),
)

# The guarded counter: spots used per service and 15-minute UTC cell. The CHECK makes the
# database refuse the (N+1)th concurrent spot, whatever the application checked before.
capacity_usage = sa.Table(
    "capacity_usage",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("workshop_id", sa.String(36), primary_key=True),
    sa.Column("service_id", sa.String(36), primary_key=True),
    sa.Column("cell_start", UtcDateTime(), primary_key=True),
    sa.Column("used", sa.Integer(), nullable=False),
    sa.Column("capacity", sa.Integer(), nullable=False),
    sa.CheckConstraint("used >= 0 AND used <= capacity", name="within_capacity"),
)

booking_messages = sa.Table(
    "booking_messages",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("booking_id", sa.String(36), sa.ForeignKey("bookings.id"), nullable=False),
    sa.Column("author_subject", sa.String(255), nullable=False),
    sa.Column("internal", sa.Boolean(), nullable=False),
    sa.Column("body", sa.String(4000), nullable=False),
    sa.Column("attachments", JsonDocument(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index("ix_booking_messages_tenant_id_booking_id", "tenant_id", "booking_id"),
)

change_requests = sa.Table(
    "change_requests",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("booking_id", sa.String(36), sa.ForeignKey("bookings.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", JsonDocument(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("requested_by", sa.String(255), nullable=False),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("decided_by", sa.String(255), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
    sa.Column("decision_note", sa.String(2000), nullable=True),
    # Pages in (requested_at, id) order, of one status or of all.
    sa.Index(
        "ix_change_requests_tenant_id_status_requested_at_id",
        "tenant_id",
        "status",
        "requested_at",
        "id",
    ),
    sa.Index("ix_change_requests_tenant_id_requested_at_id", "tenant_id", "requested_at", "id"),
)

service_history = sa.Table(
    "service_history",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("vin", sa.String(17), nullable=False),
    sa.Column("booking_id", sa.String(36), sa.ForeignKey("bookings.id"), nullable=False),
    sa.Column("workshop_id", sa.String(36), nullable=True),
    sa.Column("service_id", sa.String(36), nullable=True),
    sa.Column("summary", sa.String(1000), nullable=True),
    sa.Column("completed_at", UtcDateTime(), nullable=False),
    sa.Index("ix_service_history_tenant_id_vin", "tenant_id", "vin"),
)

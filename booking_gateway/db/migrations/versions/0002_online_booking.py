"""Online booking: catalog (services, groups, resources), customers, reservations, allocations
and the capacity counter; workshop hours and address; service lines on bookings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from booking_gateway.db.types import JsonDocument, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(sa.Column("address", JsonDocument(), nullable=True))
        batch.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("opening_hours", JsonDocument(), nullable=True))
        batch.add_column(sa.Column("special_days", JsonDocument(), nullable=True))
    op.create_table(
        "services",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("definition", JsonDocument(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
    )
    op.create_index("ix_services_tenant_id", "services", ["tenant_id"])
    op.create_table(
        "service_workshops",
        sa.Column("service_id", sa.String(36), nullable=False),
        sa.Column("workshop_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name="fk_service_workshops_service_id_services"
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name="fk_service_workshops_workshop_id_workshops"
        ),
        sa.PrimaryKeyConstraint("service_id", "workshop_id", name="pk_service_workshops"),
    )
    op.create_table(
        "service_groups",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("names", JsonDocument(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("service_ids", JsonDocument(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_groups"),
    )
    op.create_index("ix_service_groups_tenant_id", "service_groups", ["tenant_id"])
    op.create_table(
        "resources",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("workshop_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name="fk_resources_workshop_id_workshops"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_resources"),
    )
    op.create_index("ix_resources_tenant_id_workshop_id", "resources", ["tenant_id", "workshop_id"])
    op.create_table(
        "customers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("personal_identifier", sa.String(48), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=False),
        sa.Column("last_name", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint(
            "tenant_id", "personal_identifier", name="uq_customers_tenant_id_personal_identifier"
        ),
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("workshop_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("spots", sa.Integer(), nullable=False),
        sa.Column("lines", JsonDocument(), nullable=False),
        sa.Column("notes", sa.String(2000), nullable=True),
        sa.Column("group_id", sa.String(36), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name="fk_reservations_workshop_id_workshops"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reservations"),
    )
    op.create_index(
        "ix_reservations_tenant_id_workshop_id", "reservations", ["tenant_id", "workshop_id"]
    )
    op.create_table(
        "allocations",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("workshop_id", sa.String(36), nullable=False),
        sa.Column("line_id", sa.String(64), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_allocations"),
    )
    op.create_index(
        "ix_allocations_tenant_id_workshop_id_starts_at",
        "allocations",
        ["tenant_id", "workshop_id", "starts_at"],
    )
    op.create_table(
        "capacity_usage",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("workshop_id", sa.String(36), nullable=False),
        sa.Column("service_id", sa.String(36), nullable=False),
        sa.Column("cell_start", UtcDateTime(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "used >= 0 AND used <= capacity", name="ck_capacity_usage_within_capacity"
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "workshop_id", "service_id", "cell_start", name="pk_capacity_usage"
        ),
    )
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("group_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("service_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("ends_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("spots", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("customer_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("reservation_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("resource_ids", JsonDocument(), nullable=True))
        batch.add_column(sa.Column("details", JsonDocument(), nullable=True))
        batch.create_foreign_key(
            "fk_bookings_service_id_services", "services", ["service_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_bookings_customer_id_customers", "customers", ["customer_id"], ["id"]
        )
        batch.create_index("ix_bookings_tenant_id_group_id", ["tenant_id", "group_id"])
    if op.get_context().dialect.name == "postgresql":
        # A resource is never in two visits' active allocations at overlapping times:
        # enforced by PostgreSQL itself (btree_gist provides = and <> on text).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE allocations ADD CONSTRAINT ex_allocations_resource_overlap "
            "EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at) WITH &&, "
            "visit_id WITH <>) "
            "WHERE (active AND resource_id IS NOT NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_index("ix_bookings_tenant_id_group_id")
        batch.drop_constraint("fk_bookings_customer_id_customers", type_="foreignkey")
        batch.drop_constraint("fk_bookings_service_id_services", type_="foreignkey")
        for column in (
            "details",
            "resource_ids",
            "reservation_id",
            "customer_id",
            "spots",
            "ends_at",
            "service_id",
            "group_id",
        ):
            batch.drop_column(column)
    for table in (
        "capacity_usage",
        "allocations",
        "reservations",
        "customers",
        "resources",
        "service_groups",
        "service_workshops",
        "services",
    ):
        op.drop_table(table)
    with op.batch_alter_table("workshops") as batch:
        for column in ("special_days", "opening_hours", "longitude", "latitude", "address"):
            batch.drop_column(column)

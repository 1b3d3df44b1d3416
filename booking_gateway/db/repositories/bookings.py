from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import allocations, bookings, workshops
from booking_gateway.domain.errors import Conflict
from booking_gateway.domain.ids import BookingId, TenantId, WorkshopId
from booking_gateway.domain.models import Appointment, Booking, BookingStatus, Precision
from booking_gateway.domain.operations import BookingFilter

group_key: sa.ColumnElement[str] = sa.func.coalesce(bookings.c.group_id, bookings.c.id)

ACTIVE_STATUSES = (
    BookingStatus.RESERVED,
    BookingStatus.AWAITING_PAYMENT,
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.IN_PROGRESS,
)


def _to_booking(row: Mapping[str, Any]) -> Booking:
    return Booking(
        id=BookingId(row["id"]),
        tenant_id=TenantId(row["tenant_id"]),
        workshop_id=WorkshopId(row["workshop_id"]) if row["workshop_id"] else None,
        time_zone=row["time_zone"] or "UTC",
        status=BookingStatus(row["status"]),
        source=row["source"],
        external_id=row["external_id"],
        vin=row["vin"],
        dealer_number=row["dealer_number"],
        fleet_id=row["fleet_id"],
        external_workshop_id=row["external_workshop_id"],
        reason_key=row["reason_key"],
        reason_text=row["reason_text"],
        appointment=Appointment(
            precision=Precision(row["appointment_precision"]),
            local_date=row["appointment_date"],
            starts_at=row["appointment_at"],
        ),
        booking_created_at=row["booking_created_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        cancelled_at=row["cancelled_at"],
        revision=row["revision"],
        group_id=row["group_id"],
        service_id=row["service_id"],
        ends_at=row["ends_at"],
        spots=row["spots"],
        customer_id=row["customer_id"],
        reservation_id=row["reservation_id"],
        resource_ids=tuple(row["resource_ids"] or ()),
        details=row["details"] or {},
        participants=tuple(row["participants"] or ()),
    )


def _values(booking: Booking) -> dict[str, Any]:
    return {
        "workshop_id": booking.workshop_id,
        "status": booking.status.value,
        "source": booking.source,
        "external_id": booking.external_id,
        "vin": booking.vin,
        "dealer_number": booking.dealer_number,
        "fleet_id": booking.fleet_id,
        "external_workshop_id": booking.external_workshop_id,
        "reason_key": booking.reason_key,
        "reason_text": booking.reason_text,
        "appointment_precision": booking.appointment.precision.value,
        "appointment_date": booking.appointment.local_date,
        "appointment_at": booking.appointment.starts_at,
        "booking_created_at": booking.booking_created_at,
        "updated_at": booking.updated_at,
        "cancelled_at": booking.cancelled_at,
        "revision": booking.revision,
        "group_id": booking.group_id,
        "service_id": booking.service_id,
        "ends_at": booking.ends_at,
        "spots": booking.spots,
        "customer_id": booking.customer_id,
        "reservation_id": booking.reservation_id,
        "resource_ids": list(booking.resource_ids) or None,
        "details": dict(booking.details) or None,
        "participants": [dict(p) for p in booking.participants] or None,
        "sort_at": booking.sort_at,
    }


class BookingRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._scope = scope

    def _select(self, *, for_update: bool = False, tenant_wide: bool = False) -> sa.Select[Any]:
        stmt = (
            sa.select(bookings, workshops.c.time_zone)
            .select_from(bookings.outerjoin(workshops, bookings.c.workshop_id == workshops.c.id))
            .where(bookings.c.tenant_id == self._scope.tenant)
        )
        if self._scope.workshop is not None and not tenant_wide:
            stmt = stmt.where(bookings.c.workshop_id == self._scope.workshop)
        if for_update:
            stmt = stmt.with_for_update(of=bookings)
        return stmt

    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking | None:
        row = await self._db.fetch_one(
            self._select(for_update=for_update).where(bookings.c.id == booking_id)
        )
        return _to_booking(row) if row else None

    async def get_by_key(
        self, source: str, external_id: str, *, for_update: bool = False
    ) -> Booking | None:
        row = await self._db.fetch_one(
            self._select(for_update=for_update).where(
                bookings.c.source == source, bookings.c.external_id == external_id
            )
        )
        return _to_booking(row) if row else None

    async def find_by_external_id(
        self, external_id: str, source: str | None = None, *, for_update: bool = False
    ) -> list[Booking]:
        stmt = self._select(for_update=for_update).where(bookings.c.external_id == external_id)
        if source is not None:
            stmt = stmt.where(bookings.c.source == source)
        rows = await self._db.fetch_all(stmt.order_by(bookings.c.source).limit(10))
        return [_to_booking(r) for r in rows]

    async def active_for_vehicle(self, vin: str, *, exclude: str | None = None) -> Booking | None:
        """The tenant's active booking of this vehicle, whatever workshop (a tenant policy)."""
        stmt = self._select(tenant_wide=True).where(
            bookings.c.vin == vin, bookings.c.status.in_([s.value for s in ACTIVE_STATUSES])
        )
        if exclude is not None:
            stmt = stmt.where(bookings.c.id != exclude)
        row = await self._db.fetch_one(stmt.limit(1))
        return _to_booking(row) if row else None

    async def insert_if_absent(self, booking: Booking) -> bool:
        """Insert unless the (tenant, source, external id) key exists; True if inserted.

        Race-free on both databases: the unique constraint decides, not a prior read.
        """
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(bookings)
            .values(
                id=booking.id,
                tenant_id=self._scope.tenant,
                created_at=booking.created_at,
                **_values(booking),
            )
            .on_conflict_do_nothing(
                index_elements=[bookings.c.tenant_id, bookings.c.source, bookings.c.external_id]
            )
            .returning(bookings.c.id)
        )
        return await self._db.fetch_one(stmt) is not None

    async def update(self, booking: Booking, *, expected_revision: int) -> None:
        """Write ``booking`` if its stored revision is still ``expected_revision``."""
        stmt = (
            bookings.update()
            .where(
                bookings.c.tenant_id == self._scope.tenant,
                bookings.c.id == booking.id,
                bookings.c.revision == expected_revision,
            )
            .values(**_values(booking))
            .returning(bookings.c.id)
        )
        if await self._db.fetch_one(stmt) is None:
            raise Conflict(f"Booking {booking.id} was changed concurrently")

    async def add(self, booking: Booking) -> None:
        await self._db.execute(
            bookings.insert().values(
                id=booking.id,
                tenant_id=self._scope.tenant,
                created_at=booking.created_at,
                **_values(booking),
            )
        )

    async def in_group(self, group_id: str) -> list[Booking]:
        rows = await self._db.fetch_all(
            self._select()
            .where(bookings.c.group_id == group_id)
            .order_by(bookings.c.appointment_at, bookings.c.id)
        )
        return [_to_booking(r) for r in rows]

    async def of_workshop(self, workshop_id: str) -> list[Booking]:
        rows = await self._db.fetch_all(
            self._select(for_update=True).where(bookings.c.workshop_id == workshop_id)
        )
        return [_to_booking(r) for r in rows]

    # -- workshop operations -------------------------------------------------------------

    def _filtered(self, f: BookingFilter) -> sa.Select[Any]:
        stmt = self._select().where(
            bookings.c.appointment_date >= f.date_from, bookings.c.appointment_date <= f.date_to
        )
        if f.workshop_ids:
            stmt = stmt.where(bookings.c.workshop_id.in_(list(f.workshop_ids)))
        if f.statuses:
            stmt = stmt.where(bookings.c.status.in_([s.value for s in f.statuses]))
        if f.vin:
            stmt = stmt.where(bookings.c.vin == f.vin)
        if f.group_id:
            stmt = stmt.where(group_key == f.group_id)
        if f.resource_ids is not None:
            stmt = stmt.where(
                bookings.c.id.in_(
                    sa.select(allocations.c.booking_id).where(
                        allocations.c.tenant_id == self._scope.tenant,
                        allocations.c.active.is_(True),
                        allocations.c.resource_id.in_(list(f.resource_ids)),
                    )
                )
            )
        return stmt

    async def group_page(self, f: BookingFilter, offset: int, limit: int) -> tuple[int, list[str]]:
        """Group keys of the bookings matching ``f``, by their first start, and the total."""
        keyed = (
            self._filtered(f)
            .with_only_columns(group_key.label("key"), sa.func.min(bookings.c.sort_at).label("at"))
            .group_by(group_key)
        )
        total = await self._db.fetch_val(sa.select(sa.func.count()).select_from(keyed.subquery()))
        rows = await self._db.fetch_all(
            keyed.order_by(sa.text("at"), sa.text("key")).offset(offset).limit(limit)
        )
        return int(total or 0), [r["key"] for r in rows]

    async def in_groups(self, keys: list[str], *, for_update: bool = False) -> list[Booking]:
        if not keys:
            return []
        rows = await self._db.fetch_all(
            self._select(for_update=for_update)
            .where(group_key.in_(keys))
            .order_by(bookings.c.sort_at, bookings.c.id)
        )
        return [_to_booking(r) for r in rows]

    async def slice(
        self, f: BookingFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[tuple[datetime, Booking]]:
        """Keyset page in (sort_at, id) order, strictly after ``after``."""
        stmt = self._filtered(f)
        if after is not None:
            at, booking_id = after
            stmt = stmt.where(
                sa.or_(
                    bookings.c.sort_at > at,
                    sa.and_(bookings.c.sort_at == at, bookings.c.id > booking_id),
                )
            )
        rows = await self._db.fetch_all(
            stmt.order_by(bookings.c.sort_at, bookings.c.id).limit(limit)
        )
        # The stored sort key, not one recomputed: the cursor must match what SQL compares.
        return [(r["sort_at"], _to_booking(r)) for r in rows]

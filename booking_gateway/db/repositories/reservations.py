from __future__ import annotations

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.statements import Statement
from booking_gateway.domain.catalog import (
    GroupId,
    Reservation,
    ReservationId,
    ReservationStatus,
    line_document,
    line_from_document,
)
from booking_gateway.domain.ids import WorkshopId

COLUMNS = (
    "r.id, r.workshop_id, r.status, r.starts_at, r.ends_at, r.expires_at, r.spots, r.lines, "
    "r.notes, r.group_id, r.created_by, r.created_at, r.customer_key"
)
GET = Statement(f"SELECT {COLUMNS} FROM reservations r WHERE {{scope r}} AND r.id = :id")
GET_FOR_UPDATE = Statement(
    f"SELECT {COLUMNS} FROM reservations r WHERE {{scope r}} AND r.id = :id FOR UPDATE"
)
ADD = Statement(
    """INSERT INTO reservations (id, tenant_id, workshop_id, status, starts_at, ends_at,
        expires_at, spots, lines, notes, group_id, created_by, created_at, customer_key)
    VALUES (:id, :tenant, :workshop_id, :status, :starts_at, :ends_at, :expires_at, :spots,
        :lines, :notes, :group_id, :created_by, :created_at, :customer_key)"""
)
SET_STATUS = Statement(
    """UPDATE reservations SET status = :status [[, group_id = :group_id ]]
    WHERE {scope reservations} AND id = ANY(:ids)"""
)


def to_reservation(row: Row) -> Reservation:
    return Reservation(
        id=ReservationId(row["id"]),
        workshop_id=WorkshopId(row["workshop_id"]),
        status=ReservationStatus(row["status"]),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        expires_at=row["expires_at"],
        spots=row["spots"],
        lines=tuple(line_from_document(d) for d in row["lines"]["lines"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        notes=row["notes"],
        group_id=GroupId(row["group_id"]) if row["group_id"] else None,
        customer_key=row["customer_key"],
    )


class ReservationRepository(ScopedRepository):
    async def get(self, reservation_id: str, *, for_update: bool = False) -> Reservation | None:
        row = await self._fetchrow(GET_FOR_UPDATE if for_update else GET, id=reservation_id)
        return to_reservation(row) if row else None

    async def add(self, reservation: Reservation) -> None:
        await self._execute(
            ADD,
            id=reservation.id,
            workshop_id=reservation.workshop_id,
            status=reservation.status.value,
            starts_at=reservation.starts_at,
            ends_at=reservation.ends_at,
            expires_at=reservation.expires_at,
            spots=reservation.spots,
            lines={"lines": [line_document(line) for line in reservation.lines]},
            notes=reservation.notes,
            group_id=reservation.group_id,
            created_by=reservation.created_by,
            created_at=reservation.created_at,
            customer_key=reservation.customer_key,
        )

    async def set_status(
        self, ids: list[str], status: ReservationStatus, group_id: str | None = None
    ) -> None:
        if not ids:
            return
        await self._execute(SET_STATUS, ids=list(ids), status=status.value, group_id=group_id)

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import reservations
from booking_gateway.domain.catalog import (
    GroupId,
    Reservation,
    ReservationId,
    ReservationStatus,
    line_document,
    line_from_document,
)
from booking_gateway.domain.ids import WorkshopId


def _to_reservation(row: Mapping[str, Any]) -> Reservation:
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
    )


class ReservationRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._scope = scope

    async def get(self, reservation_id: str, *, for_update: bool = False) -> Reservation | None:
        stmt = sa.select(reservations).where(
            reservations.c.tenant_id == self._scope.tenant, reservations.c.id == reservation_id
        )
        if self._scope.workshop is not None:
            stmt = stmt.where(reservations.c.workshop_id == self._scope.workshop)
        if for_update:
            stmt = stmt.with_for_update()
        row = await self._db.fetch_one(stmt)
        return _to_reservation(row) if row else None

    async def add(self, reservation: Reservation) -> None:
        await self._db.execute(
            reservations.insert().values(
                id=reservation.id,
                tenant_id=self._scope.tenant,
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
            )
        )

    async def set_status(
        self, ids: list[str], status: ReservationStatus, group_id: str | None = None
    ) -> None:
        if not ids:
            return
        values: dict[str, Any] = {"status": status.value}
        if group_id is not None:
            values["group_id"] = group_id
        await self._db.execute(
            reservations.update()
            .where(reservations.c.tenant_id == self._scope.tenant, reservations.c.id.in_(ids))
            .values(**values)
        )

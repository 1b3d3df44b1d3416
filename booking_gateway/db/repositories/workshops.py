from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.repositories.tenants import BUMP_CONFIG, first_revision
from booking_gateway.db.statements import Statement
from booking_gateway.domain.ids import TenantId, WorkshopId
from booking_gateway.domain.models import Workshop

COLUMNS = (
    "w.id, w.tenant_id, w.name, w.dealer_number, w.time_zone, w.created_at, w.address, "
    "w.latitude, w.longitude, w.opening_hours, w.special_days"
)
GET = Statement(f"SELECT {COLUMNS} FROM workshops w WHERE {{scope w}} AND w.id = :id")
GET_MANY = Statement(f"SELECT {COLUMNS} FROM workshops w WHERE {{scope w}} AND w.id = ANY(:ids)")
# Tenant-wide on purpose: the import must tell "another workshop's dealer number" (forbidden)
# from "unknown dealer number" (kept unlinked).
BY_DEALER_NUMBER = Statement(
    f"SELECT {COLUMNS} FROM workshops w WHERE {{tenant w}} AND w.dealer_number = :dealer_number"
)
LIST_ALL = Statement(f"SELECT {COLUMNS} FROM workshops w WHERE {{scope w}} ORDER BY w.name, w.id")
ADD = Statement(
    """INSERT INTO workshops (id, tenant_id, name, dealer_number, time_zone, created_at, address,
        latitude, longitude, opening_hours, special_days)
    VALUES (:id, :tenant, :name, :dealer_number, :time_zone, :created_at, :address, :latitude,
        :longitude, :opening_hours, :special_days)
    ON CONFLICT DO NOTHING RETURNING id"""
)
UPDATE = Statement(
    """UPDATE workshops SET name = :name, dealer_number = :dealer_number,
        time_zone = :time_zone, address = :address, latitude = :latitude,
        longitude = :longitude, opening_hours = :opening_hours, special_days = :special_days
    WHERE {scope workshops} AND id = :id"""
)


def to_workshop(row: Row) -> Workshop:
    return Workshop(
        id=WorkshopId(row["id"]),
        tenant_id=TenantId(row["tenant_id"]),
        name=row["name"],
        dealer_number=row["dealer_number"],
        time_zone=row["time_zone"],
        created_at=row["created_at"],
        address=row["address"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        opening_hours=row["opening_hours"] or {},
        special_days=row["special_days"] or {},
    )


def _values(workshop: Workshop) -> dict[str, Any]:
    return {
        "id": workshop.id,
        "name": workshop.name,
        "dealer_number": workshop.dealer_number,
        "time_zone": workshop.time_zone,
        "address": dict(workshop.address) if workshop.address else None,
        "latitude": workshop.latitude,
        "longitude": workshop.longitude,
        "opening_hours": dict(workshop.opening_hours),
        "special_days": dict(workshop.special_days),
    }


class WorkshopRepository(ScopedRepository):
    async def get(self, workshop_id: str) -> Workshop | None:
        row = await self._fetchrow(GET, id=workshop_id)
        return to_workshop(row) if row else None

    async def get_many(self, ids: Sequence[str]) -> list[Workshop]:
        return [to_workshop(r) for r in await self._fetch(GET_MANY, ids=list(ids))]

    async def by_dealer_number(self, dealer_number: str) -> Workshop | None:
        row = await self._fetchrow(BY_DEALER_NUMBER, dealer_number=dealer_number)
        return to_workshop(row) if row else None

    async def list_all(self) -> list[Workshop]:
        return [to_workshop(r) for r in await self._fetch(LIST_ALL)]

    async def add(self, workshop: Workshop) -> bool:
        """Insert; False when the dealer number is taken (the unique constraint decides)."""
        async with self._db.atomic():
            row = await self._fetchrow(ADD, created_at=workshop.created_at, **_values(workshop))
            if row is not None:
                await self._execute(
                    BUMP_CONFIG,
                    settings={},
                    now=workshop.created_at,
                    first_revision=first_revision(),
                )
        return row is not None

    async def update(self, workshop: Workshop) -> None:
        async with self._db.atomic():
            await self._execute(UPDATE, **_values(workshop))
            await self._execute(
                BUMP_CONFIG,
                settings={},
                now=workshop.created_at,
                first_revision=first_revision(),
            )

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import workshops
from booking_gateway.domain.ids import TenantId, WorkshopId
from booking_gateway.domain.models import Workshop


def _to_workshop(row: Mapping[str, Any]) -> Workshop:
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


class WorkshopRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._scope = scope

    def _select(self) -> sa.Select[Any]:
        stmt = sa.select(workshops).where(workshops.c.tenant_id == self._scope.tenant)
        if self._scope.workshop is not None:
            stmt = stmt.where(workshops.c.id == self._scope.workshop)
        return stmt

    async def get(self, workshop_id: str) -> Workshop | None:
        row = await self._db.fetch_one(self._select().where(workshops.c.id == workshop_id))
        return _to_workshop(row) if row else None

    async def get_many(self, ids: Sequence[str]) -> list[Workshop]:
        rows = await self._db.fetch_all(self._select().where(workshops.c.id.in_(ids)))
        return [_to_workshop(r) for r in rows]

    async def by_dealer_number(self, dealer_number: str) -> Workshop | None:
        # Unscoped by workshop on purpose: the import must tell "another workshop's dealer
        # number" (forbidden) from "unknown dealer number" (kept unlinked).
        row = await self._db.fetch_one(
            sa.select(workshops).where(
                workshops.c.tenant_id == self._scope.tenant,
                workshops.c.dealer_number == dealer_number,
            )
        )
        return _to_workshop(row) if row else None

    async def list_all(self) -> list[Workshop]:
        rows = await self._db.fetch_all(self._select().order_by(workshops.c.name, workshops.c.id))
        return [_to_workshop(r) for r in rows]

    async def add(self, workshop: Workshop) -> bool:
        """Insert; False when the dealer number is taken (the unique constraint decides)."""
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        row = await self._db.fetch_one(
            insert(workshops)
            .values(
                id=workshop.id,
                tenant_id=self._scope.tenant,
                name=workshop.name,
                dealer_number=workshop.dealer_number,
                time_zone=workshop.time_zone,
                created_at=workshop.created_at,
                **_details(workshop),
            )
            .on_conflict_do_nothing()
            .returning(workshops.c.id)
        )
        return row is not None

    async def update(self, workshop: Workshop) -> None:
        await self._db.execute(
            workshops.update()
            .where(workshops.c.tenant_id == self._scope.tenant, workshops.c.id == workshop.id)
            .values(
                name=workshop.name,
                dealer_number=workshop.dealer_number,
                time_zone=workshop.time_zone,
                **_details(workshop),
            )
        )


def _details(workshop: Workshop) -> dict[str, Any]:
    return {
        "address": dict(workshop.address) if workshop.address else None,
        "latitude": workshop.latitude,
        "longitude": workshop.longitude,
        "opening_hours": dict(workshop.opening_hours),
        "special_days": dict(workshop.special_days),
    }

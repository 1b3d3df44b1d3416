from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import customers
from booking_gateway.domain.catalog import Customer, CustomerId


def _to_customer(row: Mapping[str, Any]) -> Customer:
    return Customer(
        id=CustomerId(row["id"]),
        personal_identifier=row["personal_identifier"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row["email"],
        phone=row["phone"],
        date_of_birth=row["date_of_birth"],
    )


class CustomerRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._tenant = scope.tenant

    async def get(self, customer_id: str) -> Customer | None:
        row = await self._db.fetch_one(
            sa.select(customers).where(
                customers.c.tenant_id == self._tenant, customers.c.id == customer_id
            )
        )
        return _to_customer(row) if row else None

    async def get_many(self, ids: list[str]) -> list[Customer]:
        rows = await self._db.fetch_all(
            sa.select(customers).where(
                customers.c.tenant_id == self._tenant, customers.c.id.in_(ids)
            )
        )
        return [_to_customer(r) for r in rows]

    async def by_identifier(self, personal_identifier: str) -> Customer | None:
        row = await self._db.fetch_one(
            sa.select(customers).where(
                customers.c.tenant_id == self._tenant,
                customers.c.personal_identifier == personal_identifier,
            )
        )
        return _to_customer(row) if row else None

    async def add_if_absent(self, customer: Customer, now: datetime) -> Customer:
        """Insert unless the personal identifier exists; returns the stored profile either way
        (the unique constraint decides, so concurrent first bookings share one profile)."""
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        await self._db.execute(
            insert(customers)
            .on_conflict_do_nothing(
                index_elements=[customers.c.tenant_id, customers.c.personal_identifier]
            )
            .values(
                id=customer.id,
                tenant_id=self._tenant,
                personal_identifier=customer.personal_identifier,
                first_name=customer.first_name,
                last_name=customer.last_name,
                email=customer.email,
                phone=customer.phone,
                date_of_birth=customer.date_of_birth,
                created_at=now,
            )
        )
        stored = await self.by_identifier(customer.personal_identifier)
        assert stored is not None  # noqa: S101 - inserted or already there
        return stored

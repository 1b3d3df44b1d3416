from __future__ import annotations

from datetime import datetime

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.statements import Statement
from booking_gateway.domain.catalog import Customer, CustomerId

SELECT = """SELECT c.id, c.personal_identifier, c.first_name, c.last_name, c.email, c.phone,
        c.date_of_birth
    FROM customers c"""
GET = Statement(f"{SELECT} WHERE {{scope c}} AND c.id = :id")
GET_MANY = Statement(f"{SELECT} WHERE {{scope c}} AND c.id = ANY(:ids)")
BY_IDENTIFIER = Statement(
    f"{SELECT} WHERE {{scope c}} AND c.personal_identifier = :personal_identifier"
)
# The unique (tenant, personal identifier) key decides, so concurrent first bookings of one
# person share one profile.
ADD_IF_ABSENT = Statement(
    """INSERT INTO customers (id, tenant_id, personal_identifier, first_name, last_name, email,
        phone, date_of_birth, created_at)
    VALUES (:id, :tenant, :personal_identifier, :first_name, :last_name, :email, :phone,
        :date_of_birth, :created_at)
    ON CONFLICT (tenant_id, personal_identifier) DO NOTHING"""
)


def to_customer(row: Row) -> Customer:
    return Customer(
        id=CustomerId(row["id"]),
        personal_identifier=row["personal_identifier"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row["email"],
        phone=row["phone"],
        date_of_birth=row["date_of_birth"],
    )


class CustomerRepository(ScopedRepository):
    async def get(self, customer_id: str) -> Customer | None:
        row = await self._fetchrow(GET, id=customer_id)
        return to_customer(row) if row else None

    async def get_many(self, ids: list[str]) -> list[Customer]:
        return [to_customer(r) for r in await self._fetch(GET_MANY, ids=list(ids))]

    async def by_identifier(self, personal_identifier: str) -> Customer | None:
        row = await self._fetchrow(BY_IDENTIFIER, personal_identifier=personal_identifier)
        return to_customer(row) if row else None

    async def add_if_absent(self, customer: Customer, now: datetime) -> Customer:
        """Insert unless the personal identifier exists; returns the stored profile either way
        (the unique constraint decides, so concurrent first bookings share one profile)."""
        await self._execute(
            ADD_IF_ABSENT,
            id=customer.id,
            personal_identifier=customer.personal_identifier,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            phone=customer.phone,
            date_of_birth=customer.date_of_birth,
            created_at=now,
        )
        stored = await self.by_identifier(customer.personal_identifier)
        assert stored is not None  # noqa: S101 - inserted or already there
        return stored

"""Repositories and migrations on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import metadata
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.errors import Conflict
from booking_gateway.domain.ids import BookingId, TenantId, WorkshopId, new_booking_id
from booking_gateway.domain.models import Appointment, Booking, BookingStatus, Precision
from booking_gateway.domain.scheduling import AllocatedService, BusyKind, ResourceId, ServiceId

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def scope() -> TenantScope:
    return TenantScope(TenantId(f"t-{uuid.uuid4().hex[:12]}"))


def booking(tenant: TenantId, external_id: str = "b-1", **overrides: Any) -> Booking:
    values: dict[str, Any] = {
        "id": new_booking_id(),
        "tenant_id": tenant,
        "status": BookingStatus.CONFIRMED,
        "appointment": Appointment(
            Precision.DATETIME, date(2026, 12, 1), datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
        ),
        "created_at": NOW,
        "updated_at": NOW,
        "source": "user",
        "external_id": external_id,
        "vin": "WV1ZZZ1JZXW000001",
    }
    values.update(overrides)
    return Booking(**values)


async def test_migrations_create_exactly_the_declared_tables(database_url: str) -> None:
    # given a database migrated to head (by the session fixture)
    engine = create_async_engine(
        database_url.replace("sqlite://", "sqlite+aiosqlite://", 1).replace(
            "postgresql://", "postgresql+asyncpg://", 1
        )
    )

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    # when alembic compares it with the table definitions
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()

    # then there is no difference
    assert differences == []


async def test_timestamps_round_trip_as_aware_utc(db: Db) -> None:
    # given a booking whose times were given in another offset
    s = scope()
    uow = SqlUnitOfWork(db, s)
    copenhagen = timezone(timedelta(hours=1))
    stored = booking(s.tenant, booking_created_at=datetime(2022, 8, 20, 14, 37, tzinfo=copenhagen))
    async with uow.begin() as repos:
        assert await repos.bookings.insert_if_absent(stored)

    # when it is read back
    found = await uow.read().bookings.get(stored.id)

    # then every timestamp is the same instant, in UTC
    assert found is not None
    assert found.booking_created_at == datetime(2022, 8, 20, 13, 37, tzinfo=UTC)
    assert found.booking_created_at.tzinfo == UTC
    assert found.appointment == stored.appointment
    assert found.created_at == NOW


async def test_insert_if_absent_inserts_a_key_once(db: Db) -> None:
    s = scope()
    uow = SqlUnitOfWork(db, s)

    async def insert() -> bool:
        async with uow.begin() as repos:
            return await repos.bookings.insert_if_absent(booking(s.tenant))

    results = await asyncio.gather(*(insert() for _ in range(20)))
    assert results.count(True) == 1


async def test_update_with_a_stale_revision_is_a_conflict(db: Db) -> None:
    # given a stored booking at revision 1
    s = scope()
    uow = SqlUnitOfWork(db, s)
    stored = booking(s.tenant)
    async with uow.begin() as repos:
        await repos.bookings.insert_if_absent(stored)

    # when it is written expecting revision 7
    with pytest.raises(Conflict):
        async with uow.begin() as repos:
            await repos.bookings.update(stored, expected_revision=7)


async def test_a_failed_transaction_leaves_nothing_behind(db: Db) -> None:
    s = scope()
    uow = SqlUnitOfWork(db, s)

    async def insert_then_fail() -> None:
        async with uow.begin() as repos:
            await repos.bookings.insert_if_absent(booking(s.tenant))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await insert_then_fail()
    assert await uow.read().bookings.find_by_external_id("b-1") == []


async def test_foreign_keys_are_enforced(db: Db) -> None:
    s = scope()
    uow = SqlUnitOfWork(db, s)
    orphan = booking(s.tenant, workshop_id=WorkshopId("no-such-workshop"))
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with uow.begin() as repos:
            await repos.bookings.insert_if_absent(orphan)


async def test_repositories_see_only_their_tenant(db: Db) -> None:
    # given a booking of tenant A
    a, b = scope(), scope()
    stored = booking(a.tenant)
    async with SqlUnitOfWork(db, a).begin() as repos:
        await repos.bookings.insert_if_absent(stored)

    # then tenant B's repositories cannot find or change it
    other = SqlUnitOfWork(db, b)
    assert await other.read().bookings.get(stored.id) is None
    assert await other.read().bookings.get_by_key("user", "b-1") is None
    with pytest.raises(Conflict):
        async with other.begin() as repos:
            await repos.bookings.update(stored, expected_revision=1)
    assert await SqlUnitOfWork(db, a).read().bookings.get(BookingId(stored.id)) == stored


async def test_sqlite_runs_in_wal_mode(db: Db) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    row = await db.fetchrow("PRAGMA journal_mode")
    assert row is not None
    assert row[0] == "wal"


async def test_allocations_read_back_as_busy_lines_and_expired_holds_give_capacity_back(
    db: Db,
) -> None:
    # given a 15-minute hold of the only spot of a service, on two lifts
    uow = SqlUnitOfWork(db, scope())
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    line = AllocatedService(
        ServiceId("svc"),
        start,
        start + timedelta(hours=1),
        start - timedelta(minutes=10),
        start + timedelta(hours=1, minutes=5),
        (ResourceId("lift-1"), ResourceId("lift-2")),
    )
    expires_at = NOW + timedelta(minutes=15)
    async with uow.begin() as repos:
        await repos.allocations.allocate(
            workshop_id="w",
            visit_id="v1",
            line_id="r1:0",
            line=line,
            spots=1,
            capacity=1,
            expires_at=expires_at,
            reservation_id="r1",
        )

    # when it is read back before its expiry
    [busy] = await uow.read().allocations.busy("w", start - timedelta(days=1), start, NOW)

    # then it is one held line: its blocked times, its spots and both lifts
    assert (busy.start, busy.end) == (line.blocked_start, line.blocked_end)
    assert busy.start.tzinfo == UTC
    assert sorted(busy.resource_ids) == ["lift-1", "lift-2"]
    assert (busy.service_id, busy.spots, busy.kind) == ("svc", 1, BusyKind.HOLD)
    assert busy.expires_at == expires_at

    # and once expired, the sweep frees it, so the spot can be allocated again
    async with uow.begin() as repos:
        assert await repos.allocations.sweep_expired("w", expires_at) == ["r1"]
        await repos.allocations.allocate(
            workshop_id="w",
            visit_id="v2",
            line_id="b2:0",
            line=line,
            spots=1,
            capacity=1,
            expires_at=None,
            booking_id="b2",
        )
    [booked] = await uow.read().allocations.busy("w", start, start + timedelta(hours=2), NOW)
    assert (booked.kind, booked.expires_at) == (BusyKind.BOOKING, None)

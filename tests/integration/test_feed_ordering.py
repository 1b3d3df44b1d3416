"""The change feed on real SQLite and PostgreSQL: every event exactly once, in order, also when
transactions commit out of id order."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.repositories.feed import FeedRepository
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.ids import BookingId, TenantId, WorkshopId, new_booking_id
from booking_gateway.domain.models import (
    Appointment,
    Booking,
    BookingStatus,
    Precision,
    Workshop,
)
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.services.feed import ChangeFeedService, FeedItem

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
# How long a test waits for events to pass the horizon (a concurrent autovacuum ANALYZE, say,
# may hold it back for a moment on PostgreSQL).
SETTLE_SECONDS = 10.0


def scope(workshop: str | None = None) -> TenantScope:
    return TenantScope(
        TenantId(f"t-{uuid.uuid4().hex[:12]}"), WorkshopId(workshop) if workshop else None
    )


def reader(db: Db, s: TenantScope) -> ChangeFeedService:
    principal = Principal(
        tenant=s.tenant,
        subject="feed-reader",
        scopes=frozenset({Scope.BOOKINGS_READ}),
        workshop=s.workshop,
    )
    return ChangeFeedService(FeedRepository(db, s), principal)


async def add_booking(db: Db, s: TenantScope, workshop: str | None = None) -> BookingId:
    booking = Booking(
        id=new_booking_id(),
        tenant_id=s.tenant,
        status=BookingStatus.CONFIRMED,
        appointment=Appointment(
            Precision.DATETIME, date(2026, 12, 1), datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
        ),
        created_at=NOW,
        updated_at=NOW,
        source="user",
        external_id=uuid.uuid4().hex,
        vin="WV1ZZZ1JZXW000001",
        workshop_id=WorkshopId(workshop) if workshop else None,
    )
    async with SqlUnitOfWork(db, s).begin() as repos:
        assert await repos.bookings.insert_if_absent(booking)
    return booking.id


async def add_workshop(db: Db, s: TenantScope) -> str:
    workshop = Workshop(
        id=WorkshopId(str(uuid.uuid4())),
        tenant_id=s.tenant,
        name="W",
        dealer_number=None,
        time_zone="UTC",
        created_at=NOW,
    )
    async with SqlUnitOfWork(db, s).begin() as repos:
        await repos.workshops.add(workshop)
    return workshop.id


# Rows follow as "($1, $2, 'CHANGED', $3, 'bulk', $n, $n+1), ...". txid is left to its default.
INSERT_EVENTS = (
    "INSERT INTO audit_events (tenant_id, booking_id, action, occurred_at, actor_subject,"
    " request_id, after) VALUES "
)


def driver_sql(db: Db, sql: str) -> str:
    """SQL written with ``$n`` parameters, as the database's driver takes them."""
    return sql if db.dialect == "postgresql" else re.sub(r"\$(\d+)", r"?\1", sql)


async def add_events(
    db: Db, tenant: str, booking_id: str, count: int, *, per_transaction: int = 1000
) -> None:
    """Bulk insert; each chunk in its own transaction (on PostgreSQL: its own txid). txid is
    left to the column default, as every writer must."""
    for start in range(0, count, per_transaction):
        numbers = range(start, min(count, start + per_transaction))
        # $1-$3 are shared by all rows; each row adds its request id and "after" document.
        rows = ", ".join(
            f"($1, $2, 'CHANGED', $3, 'bulk', ${4 + 2 * i}, ${5 + 2 * i})"
            for i in range(len(numbers))
        )
        args: list[Any] = [tenant, booking_id, NOW]
        for n in numbers:
            args += [f"r-{n}", {"n": n}]
        async with db.transaction():
            await db.execute(driver_sql(db, INSERT_EVENTS + rows), args)


async def ids_in_feed_order(db: Db, tenant: str) -> list[int]:
    rows = await db.fetch(
        driver_sql(db, "SELECT id FROM audit_events WHERE tenant_id = $1 ORDER BY txid, id"),
        [tenant],
    )
    return [int(r["id"]) for r in rows]


async def drain(
    feed: ChangeFeedService, expected: int, *, after: str | None = None, first: int = 500
) -> tuple[list[FeedItem], list[int]]:
    """Read pages like a client until ``expected`` events arrived (polling while the horizon
    holds them back), then once more; returns the events and the page sizes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_SECONDS
    items: list[FeedItem] = []
    sizes: list[int] = []
    cursor = after
    while True:
        page = await feed.page(cursor, first)
        items += page.entries
        sizes.append(len(page.entries))
        cursor = page.end_cursor
        if page.has_more:
            continue
        if len(items) >= expected or loop.time() > deadline:
            break
        await asyncio.sleep(0.05)
    tail = await feed.page(cursor, first)
    assert tail.entries == []
    assert not tail.has_more
    assert tail.end_cursor == cursor
    return items, sizes


# txid is left to its default: the inserting transaction's id.
INSERT_EVENT = (
    "INSERT INTO audit_events (tenant_id, booking_id, action, occurred_at, actor_subject,"
    " request_id) VALUES ($1, $2, 'CHANGED', $3, 'raw', $4) RETURNING id"
)


async def insert_raw(connection: Any, tenant: str, booking_id: str, request: str) -> int:
    row = await connection.fetchrow(INSERT_EVENT, tenant, booking_id, NOW, request)
    return int(row["id"])


def pg_url(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def test_paging_10000_events_by_500_returns_each_once_in_order(db: Db) -> None:
    # given 10,000 events of one tenant, written by 10 transactions
    s = scope()
    booking_id = await add_booking(db, s)
    await add_events(db, s.tenant, booking_id, 10_000)
    expected = await ids_in_feed_order(db, s.tenant)
    assert len(expected) == 10_000

    # when a client pages through the feed 500 at a time
    items, sizes = await drain(reader(db, s), 10_000, first=500)

    # then it got each event exactly once, in (txid, id) order, in full pages
    ids = [item.event.id for item in items]
    assert ids == expected
    assert len(set(ids)) == 10_000
    assert sizes == [500] * 20
    assert {item.event.booking_id for item in items} == {booking_id}
    assert items[0].event.after == {"n": 0}
    assert items[-1].event.occurred_at == NOW


async def test_an_event_is_withheld_while_a_transaction_that_wrote_earlier_runs(
    db: Db, database_url: str
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers: ids are assigned in commit order")
    # given a reader that has read the feed to its end
    s = scope()
    booking_id = await add_booking(db, s)
    await add_events(db, s.tenant, booking_id, 1)
    feed = reader(db, s)
    seen, _ = await drain(feed, 1)
    cursor = seen[-1].cursor
    a = await asyncpg.connect(pg_url(database_url))
    b = await asyncpg.connect(pg_url(database_url))
    tx_a = a.transaction()
    try:
        # and transaction A, which writes first (lower txid) and stays open
        await tx_a.start()
        a_first = await insert_raw(a, s.tenant, booking_id, "a-1")

        # when transaction B writes after it and commits first, then A writes again
        async with b.transaction():
            b_only = await insert_raw(b, s.tenant, booking_id, "b-1")
        a_second = await insert_raw(a, s.tenant, booking_id, "a-2")
        while_a_runs = await feed.page(cursor, 100)

        # and A commits last
        await tx_a.commit()
        afterwards, _ = await drain(feed, 3, after=while_a_runs.end_cursor)
    finally:
        await a.close()  # rolls back A if the test failed before it ended
        await b.close()

    # then B's committed event was not returned while A ran (it would have moved the cursor
    # past A's events)
    assert while_a_runs.entries == []
    assert not while_a_runs.has_more
    assert while_a_runs.end_cursor == cursor

    # and after A's commit all three arrive once, A's first although B's id is lower than a-2's
    assert a_first < b_only < a_second
    assert [item.event.id for item in afterwards] == [a_first, a_second, b_only]


async def test_a_rolled_back_transaction_releases_the_events_after_it(
    db: Db, database_url: str
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers: ids are assigned in commit order")
    # given an open transaction A that wrote an event, and B's later event, committed
    s = scope()
    booking_id = await add_booking(db, s)
    feed = reader(db, s)
    a = await asyncpg.connect(pg_url(database_url))
    b = await asyncpg.connect(pg_url(database_url))
    tx_a = a.transaction()
    try:
        await tx_a.start()
        await insert_raw(a, s.tenant, booking_id, "a-1")
        async with b.transaction():
            b_only = await insert_raw(b, s.tenant, booking_id, "b-1")
        while_a_runs = await feed.page(None, 100)

        # when A rolls back
        await tx_a.rollback()
        afterwards, _ = await drain(feed, 1, after=while_a_runs.end_cursor)
    finally:
        await a.close()  # rolls back A if the test failed before it ended
        await b.close()

    # then B's event is held back only while A runs, and A's never appears
    assert while_a_runs.entries == []
    assert while_a_runs.end_cursor is None
    assert [item.event.id for item in afterwards] == [b_only]


async def test_the_feed_holds_only_the_bound_tenants_events(db: Db) -> None:
    # given events of two tenants
    mine, theirs = scope(), scope()
    await add_events(db, mine.tenant, await add_booking(db, mine), 3)
    await add_events(db, theirs.tenant, await add_booking(db, theirs), 4)

    # when each reads its feed
    my_items, _ = await drain(reader(db, mine), 3)
    their_items, _ = await drain(reader(db, theirs), 4)

    # then each sees its own events only
    assert {item.event.tenant_id for item in my_items} == {mine.tenant}
    assert {item.event.tenant_id for item in their_items} == {theirs.tenant}
    assert len(my_items) == 3
    assert len(their_items) == 4


async def test_a_workshop_scope_sees_only_its_workshops_bookings(db: Db) -> None:
    # given a tenant with two workshops and a booking in each, and one without a workshop
    tenant_wide = scope()
    own_workshop = await add_workshop(db, tenant_wide)
    other_workshop = await add_workshop(db, tenant_wide)
    own = await add_booking(db, tenant_wide, own_workshop)
    for booking_id in (own, await add_booking(db, tenant_wide, other_workshop)):
        await add_events(db, tenant_wide.tenant, booking_id, 2)
    await add_events(db, tenant_wide.tenant, await add_booking(db, tenant_wide), 2)
    workshop_scope = TenantScope(tenant_wide.tenant, WorkshopId(own_workshop))

    # when the workshop and the whole tenant read the feed
    workshop_items, _ = await drain(reader(db, workshop_scope), 2)
    tenant_items, _ = await drain(reader(db, tenant_wide), 6)

    # then the workshop sees its booking's events only; the tenant sees all
    assert [item.event.booking_id for item in workshop_items] == [own, own]
    assert len(tenant_items) == 6

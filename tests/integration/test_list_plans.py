"""Lists read a page through indexes, whatever the tenant's size.

PostgreSQL: one tenant with 20,000 bookings (and their audit events, change requests and service
history) beside a neighbour. Every statement that bookingGroups, bookingGroup,
bookingsConnection, changeRequests, changeFeed and vehicleServiceHistory send, recorded with its
arguments as the lists send it, is run under EXPLAIN ANALYZE: none scans a big table
sequentially, each uses an index, and none reads more than a tenth of the tenant's rows of a big
table. Totals are counted only when a client asks for them; the total of the groups in the
default window is checked too, the total of all change requests is not (see below).

Both databases: the statements written for the indexes (the group key, the sort window, totals
without a count) answer like the plain predicates they stand for.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from booking_gateway.db.engine import Db, Row
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.repositories.feed import FeedRepository
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.dealer_import import appointment_in
from booking_gateway.domain.ids import TenantId, WorkshopId, new_booking_id
from booking_gateway.domain.models import Appointment, Booking, BookingStatus, Precision, Workshop
from booking_gateway.domain.operations import (
    BookingFilter,
    ChangeKind,
    ChangeRequest,
    ChangeRequestStatus,
)
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.services.booking_lists import BookingListService, FilterInput
from booking_gateway.services.feed import ChangeFeedService
from booking_gateway.services.service_history import ServiceHistoryService

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
BIG_TABLES = frozenset({"bookings", "audit_events", "change_requests", "service_history"})
BOOKINGS = 20_000  # one every 30 minutes, centred on NOW: 672 in the default 14-day window
VINS = 2_000  # ten bookings per vehicle
ZONE = "Europe/Copenhagen"

# A page reads its window at most (672 bookings by default), never the whole tenant.
MAX_ROWS_READ = BOOKINGS // 10
# The total of all change requests, of every status, reads every request of the tenant (from an
# index), so it is counted only when a client selects it and is not run here. Its pages, and the
# total of one status, are index-backed.

# Workshops alternate every five bookings, so that the two lines of a visit share one.
SEED_BOOKINGS = """
INSERT INTO bookings (id, tenant_id, workshop_id, status, source, external_id, vin,
    appointment_precision, appointment_date, appointment_at, created_at, updated_at, revision,
    group_id, sort_at)
SELECT $1::text || '-' || i, $1, (ARRAY[$2::text, $3::text])[i / 5 % 2 + 1],
    (ARRAY['CONFIRMED', 'PENDING', 'CANCELLED', 'COMPLETED'])[i % 4 + 1], 'seed', 'e' || i,
    'WVWZZZ1JZ' || lpad((i % $6::int)::text, 8, '0'), 'DATETIME',
    (t.at AT TIME ZONE 'Europe/Copenhagen')::date, t.at, $4, $4, 1,
    CASE WHEN i % 5 IN (1, 2) THEN $1::text || '-g' || i / 5 END, t.at
FROM generate_series(1, $5::int) AS i,
    LATERAL (SELECT $4::timestamptz + (i - $5::int / 2) * interval '30 minutes' AS at) AS t
"""
# Spread over earlier transaction ids, as events written a booking at a time are (all below
# this transaction's own, so the feed's horizon passes them once it commits).
SEED_EVENTS = """
INSERT INTO audit_events (tenant_id, booking_id, action, occurred_at, actor_subject, request_id,
    txid)
SELECT tenant_id, id, 'ADDED', created_at, 'seed', 'seed',
    pg_current_xact_id()::text::bigint * row_number() OVER (ORDER BY sort_at) / count(*) OVER ()
FROM bookings WHERE tenant_id = $1
"""
# $2 requests on every $3rd booking; those of every 250th booking still pending.
SEED_REQUESTS = """
INSERT INTO change_requests (id, tenant_id, booking_id, kind, payload, status, requested_by,
    requested_at)
SELECT b.id || '-c' || n, b.tenant_id, b.id, 'CANCEL', '{}',
    CASE WHEN b.k % 250 = 0 THEN 'PENDING' ELSE 'APPROVED' END, 'seed',
    b.created_at - (b.k * 10 + n) * interval '1 minute'
FROM (SELECT id, tenant_id, created_at, row_number() OVER (ORDER BY id) AS k
      FROM bookings WHERE tenant_id = $1) AS b, generate_series(1, $2::int) AS n
WHERE b.k % $3::int = 0
"""
SEED_HISTORY = """
INSERT INTO service_history (id, tenant_id, vin, booking_id, workshop_id, summary, completed_at)
SELECT id || '-h', tenant_id, vin, id, workshop_id, 'seeded', sort_at FROM bookings
WHERE tenant_id = $1 AND status = 'COMPLETED'
"""


@dataclass(frozen=True)
class Seeded:
    tenant: TenantId
    workshop: WorkshopId
    vin: str
    group_id: str


def tenant_id() -> TenantId:
    return TenantId(f"t-{uuid.uuid4().hex[:12]}")


def workshop(tenant: TenantId, time_zone: str = ZONE) -> Workshop:
    return Workshop(
        id=WorkshopId(str(uuid.uuid4())),
        tenant_id=tenant,
        name="Workshop",
        dealer_number=None,
        time_zone=time_zone,
        created_at=NOW,
    )


async def seed(db: Db, tenant: TenantId, bookings: int, requests: tuple[int, int]) -> Seeded:
    """``bookings`` bookings in two workshops; ``requests``: (per booking, on every nth)."""
    pair = (workshop(tenant), workshop(tenant))
    async with SqlUnitOfWork(db, TenantScope(tenant)).begin() as repos:
        for w in pair:
            await repos.workshops.add(w)
    await db.execute(SEED_BOOKINGS, [tenant, pair[0].id, pair[1].id, NOW, bookings, VINS])
    # Fresh statistics before the foreign keys are checked, or their lookups may scan.
    await db.execute("ANALYZE bookings")
    await db.execute(SEED_EVENTS, [tenant])
    await db.execute(SEED_REQUESTS, [tenant, *requests])
    await db.execute(SEED_HISTORY, [tenant])
    # Vehicle 3 (bookings 3, 2003, ...) is completed in the first workshop; so is visit 2,000
    # (bookings 10,001 and 10,002, starting half an hour after NOW).
    return Seeded(tenant, pair[0].id, f"WVWZZZ1JZ{3:08d}", f"{tenant}-g{BOOKINGS // 10}")


@pytest.fixture(scope="module")
async def big(db: Db) -> Seeded:
    if db.dialect != "postgresql":
        pytest.skip("the plans checked are PostgreSQL's (EXPLAIN ANALYZE as JSON)")
    seeded = await seed(db, tenant_id(), BOOKINGS, (1, 5))
    # The neighbour holds most change requests, as the other tenants of a shared database do.
    await seed(db, tenant_id(), 2_000, (10, 1))
    await db.execute("ANALYZE bookings, audit_events, change_requests, service_history")
    return seeded


class Recorder(Db):
    """The app's database, keeping every statement sent through it with its arguments."""

    def __init__(self, db: Db) -> None:
        super().__init__(db.url)
        self._db = db
        self.sent: list[tuple[str, list[Any]]] = []

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        self.sent.append((sql, list(args)))
        return await self._db.fetch(sql, args)

    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        self.sent.append((sql, list(args)))
        return await self._db.fetchrow(sql, args)


def scope_of(seeded: Seeded, workshop_scoped: bool) -> TenantScope:
    return TenantScope(seeded.tenant, seeded.workshop if workshop_scoped else None)


def reader(scope: TenantScope) -> Principal:
    return Principal(
        tenant=scope.tenant,
        subject="lister",
        scopes=frozenset({Scope.BOOKINGS_READ}),
        workshop=scope.workshop,
    )


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def rows_read(node: dict[str, Any]) -> int:
    """Rows a plan node read: those it passed on and those its conditions dropped, all loops."""
    per_loop = (
        node["Actual Rows"]
        + node.get("Rows Removed by Filter", 0)
        + node.get("Rows Removed by Index Recheck", 0)
    )
    return int(per_loop * node["Actual Loops"])


async def assert_index_backed(db: Db, sent: list[tuple[str, list[Any]]]) -> None:
    """Each statement, run with its arguments, scans no big table sequentially, uses an index
    and reads no more than ``MAX_ROWS_READ`` rows of any big table."""
    assert sent
    for sql, args in sent:
        row = await db.fetchrow("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, args)
        assert row is not None
        plan = [*nodes(row[0][0]["Plan"])]
        shown = [
            (n["Node Type"], n.get("Relation Name"), n.get("Index Name"), rows_read(n))
            for n in plan
        ]
        big = [n for n in plan if n.get("Relation Name") in BIG_TABLES]
        assert not [n for n in big if n["Node Type"] == "Seq Scan"], (sql, args, shown)
        assert any("Index Name" in n for n in plan), (sql, args, shown)
        assert max(rows_read(n) for n in big) <= MAX_ROWS_READ, (sql, args, shown)


@pytest.mark.parametrize("workshop_scoped", [False, True], ids=["tenant", "workshop"])
async def test_booking_lists_read_their_pages_through_indexes(
    db: Db, big: Seeded, workshop_scoped: bool
) -> None:
    # given the lists of a tenant with 20,000 bookings, for a tenant or a workshop token
    recorder = Recorder(db)
    scope = scope_of(big, workshop_scoped)
    lists = BookingListService(SqlUnitOfWork(recorder, scope), reader(scope), lambda: NOW)

    # when pages are read: groups, filtered groups, past the end, one group, cursor pages
    first = await lists.groups(FilterInput(), 1, 50)
    total = await lists.count_groups(FilterInput())
    await lists.groups(FilterInput(), 2, 50)
    await lists.groups(FilterInput(), 1_000, 50)
    await lists.groups(FilterInput(statuses=[BookingStatus.CONFIRMED]), 1, 50)
    await lists.groups(FilterInput(vin=big.vin), 1, 50)
    await lists.groups(FilterInput(group_id=big.group_id), 1, 50)
    group = await lists.group(big.group_id)
    page = await lists.slice(FilterInput(), 50, None)
    await lists.slice(FilterInput(), 50, page.items[-1][0])

    # then they found bookings, and every statement they sent is index-backed
    assert total > 100
    assert len(first.items) == 50
    assert first.has_next
    assert group is not None
    assert len(group.bookings) == 2
    assert page.has_next
    await assert_index_backed(db, recorder.sent)


@pytest.mark.parametrize("workshop_scoped", [False, True], ids=["tenant", "workshop"])
async def test_change_requests_read_their_pages_through_indexes(
    db: Db, big: Seeded, workshop_scoped: bool
) -> None:
    # given a tenant's 4,000 change requests, 80 pending
    recorder = Recorder(db)
    requests = SqlUnitOfWork(recorder, scope_of(big, workshop_scoped)).read().change_requests

    # when staff page through them, of one status and of all
    pending = await requests.page(ChangeRequestStatus.PENDING, 0, 50)
    rest = await requests.page(ChangeRequestStatus.PENDING, 50, 50)
    counted = await requests.count(ChangeRequestStatus.PENDING)
    every = await requests.page(None, 0, 50)

    # then every statement sent is index-backed
    assert counted == len(pending[0]) + len(rest[0]) > 0
    assert pending[1] == (counted > 50)
    assert not rest[1]
    assert len(every[0]) == 50
    assert every[1]
    await assert_index_backed(db, recorder.sent)


@pytest.mark.parametrize("workshop_scoped", [False, True], ids=["tenant", "workshop"])
async def test_the_change_feed_reads_its_pages_through_indexes(
    db: Db, big: Seeded, workshop_scoped: bool
) -> None:
    # given a tenant's 20,000 audit events
    recorder = Recorder(db)
    scope = scope_of(big, workshop_scoped)
    feed = ChangeFeedService(FeedRepository(recorder, scope), reader(scope))

    # when a reader takes two pages of 500
    first = await feed.page(None, 500)
    second = await feed.page(first.end_cursor, 500)

    # then both were full, through an index
    assert len(first.entries) == len(second.entries) == 500
    await assert_index_backed(db, recorder.sent)


@pytest.mark.parametrize("workshop_scoped", [False, True], ids=["tenant", "workshop"])
async def test_a_vehicles_service_history_is_read_through_an_index(
    db: Db, big: Seeded, workshop_scoped: bool
) -> None:
    # given a vehicle with completed bookings in a tenant with 5,000 service records
    recorder = Recorder(db)
    scope = scope_of(big, workshop_scoped)
    history = ServiceHistoryService(SqlUnitOfWork(recorder, scope), reader(scope))

    # when its history is read
    records = await history.for_vehicle(big.vin)

    # then it was found through an index
    assert records
    await assert_index_backed(db, recorder.sent)


# -- the same answers on both databases ---------------------------------------------------------


def booking(
    tenant: TenantId,
    at: datetime | date,
    *,
    on: Workshop | None = None,
    group_id: str | None = None,
) -> Booking:
    zone = on.time_zone if on else "UTC"
    return Booking(
        id=new_booking_id(),
        tenant_id=tenant,
        status=BookingStatus.CONFIRMED,
        appointment=appointment_in(at, zone)
        if isinstance(at, datetime)
        else Appointment(Precision.DATE, at),
        created_at=NOW,
        updated_at=NOW,
        workshop_id=on.id if on else None,
        time_zone=zone,
        group_id=group_id,
    )


async def add(db: Db, tenant: TenantId, *bookings: Booking) -> None:
    async with SqlUnitOfWork(db, TenantScope(tenant)).begin() as repos:
        for b in bookings:
            await repos.bookings.add(b)


def window(days: int = 14) -> BookingFilter:
    return BookingFilter(date_from=NOW.date(), date_to=NOW.date() + timedelta(days=days))


async def test_a_group_is_found_by_its_key_and_not_by_a_line_of_another_group(db: Db) -> None:
    # given a visit of two lines and a single booking
    tenant = tenant_id()
    visit = str(uuid.uuid4())
    lines = [booking(tenant, NOW + timedelta(hours=h), group_id=visit) for h in (1, 2)]
    single = booking(tenant, NOW + timedelta(hours=3))
    await add(db, tenant, *lines, single)
    bookings = SqlUnitOfWork(db, TenantScope(tenant)).read().bookings

    # when groups are read by their keys, and by the id of one line
    both = await bookings.in_groups([visit, single.id])
    by_line = await bookings.in_groups([lines[0].id])

    # then the keys find every line, a line's own id finds nothing
    assert [b.id for b in both] == [lines[0].id, lines[1].id, single.id]
    assert by_line == []


async def test_group_pages_tell_whether_more_follow_and_the_total_counts_all(db: Db) -> None:
    # given three groups in the window
    tenant = tenant_id()
    visit = str(uuid.uuid4())
    await add(
        db,
        tenant,
        booking(tenant, NOW + timedelta(days=1), group_id=visit),
        booking(tenant, NOW + timedelta(days=1, hours=1), group_id=visit),
        booking(tenant, NOW + timedelta(days=2)),
        booking(tenant, NOW + timedelta(days=3)),
    )
    bookings = SqlUnitOfWork(db, TenantScope(tenant)).read().bookings

    # when the first page, the last one and one past the end are read
    first = await bookings.group_page(window(), 0, 2)
    last = await bookings.group_page(window(), 2, 2)
    past = await bookings.group_page(window(), 4, 2)

    # then the pages hold the groups by first start, each saying whether another follows,
    # and the total counts every group
    assert first == ([visit, first[0][1]], True)
    assert (len(last[0]), last[1]) == (1, False)
    assert past == ([], False)
    assert await bookings.group_page(window(days=0), 0, 2) == ([], False)
    assert await bookings.count_groups(window()) == 3
    assert await bookings.count_groups(window(days=0)) == 0


async def test_group_pages_walk_past_many_lines_in_order_of_each_groups_first_start(
    db: Db,
) -> None:
    # given 40 visits of three lines each, interleaved over the window (more lines than one
    # read of the walk takes), and single bookings between them
    tenant = tenant_id()
    made: list[Booking] = []
    for n in range(40):
        visit = f"visit-{n:02d}"
        for line in range(3):
            at = NOW + timedelta(hours=1 + (n * 7 + line * 53) % 300)
            made.append(booking(tenant, at, group_id=visit))
        made.append(booking(tenant, NOW + timedelta(hours=2 + (n * 11) % 300, minutes=30)))
    await add(db, tenant, *made)
    bookings = SqlUnitOfWork(db, TenantScope(tenant)).read().bookings

    # when every page of seven groups is read
    pages = [await bookings.group_page(window(), offset, 7) for offset in range(0, 84, 7)]

    # then together they hold each group once, by its first line in (start, id) order, and
    # only the last says no more follow
    first_line: dict[str, tuple[datetime, str]] = {}
    for b in sorted(made, key=lambda b: (b.appointment.starts_at or NOW, b.id)):
        first_line.setdefault(b.group_key, (b.appointment.starts_at or NOW, b.id))
    expected = sorted(first_line, key=lambda key: first_line[key])
    assert [key for keys, _ in pages for key in keys] == expected
    assert [more for _, more in pages] == [True] * 11 + [False]


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])
async def test_the_cursor_list_keeps_the_first_and_last_moments_of_its_dates(
    db: Db, zone: str
) -> None:
    # given bookings on the first and last local days of a range, at the UTC offset's extreme,
    # and one just outside each end
    tenant = tenant_id()
    far = workshop(tenant, zone)
    async with SqlUnitOfWork(db, TenantScope(tenant)).begin() as repos:
        await repos.workshops.add(far)
    first_day, last_day = date(2026, 6, 10), date(2026, 6, 12)

    def local(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))

    inside = [
        booking(tenant, local(first_day, 0), on=far),
        booking(tenant, first_day, on=far),
        booking(tenant, last_day, on=far),
        booking(tenant, local(last_day, 23, 59), on=far),
    ]
    outside = [
        booking(tenant, local(first_day, 0) - timedelta(minutes=1), on=far),
        booking(tenant, local(last_day, 0) + timedelta(days=1), on=far),
    ]
    await add(db, tenant, *inside, *outside)
    bookings = SqlUnitOfWork(db, TenantScope(tenant)).read().bookings
    dates = BookingFilter(date_from=first_day, date_to=last_day)

    # when the range is read a booking at a time
    seen: list[str] = []
    after = None
    while found := await bookings.slice(dates, after, 1):
        after = (found[0][0], found[0][1].id)
        seen.append(found[0][1].id)

    # then exactly the bookings of those local dates came, in order, once each
    assert seen == [b.id for b in sorted(inside, key=lambda b: (b.sort_at, b.id))]


async def test_a_change_request_page_tells_whether_more_follow_and_the_total_counts_all(
    db: Db,
) -> None:
    # given three change requests
    tenant = tenant_id()
    target = booking(tenant, NOW + timedelta(days=1))
    await add(db, tenant, target)
    uow = SqlUnitOfWork(db, TenantScope(tenant))
    async with uow.begin() as repos:
        for minute in range(3):
            await repos.change_requests.add(
                ChangeRequest(
                    id=str(uuid.uuid4()),
                    booking_id=target.id,
                    kind=ChangeKind.CANCEL,
                    payload={},
                    status=ChangeRequestStatus.PENDING,
                    requested_by="customer",
                    requested_at=NOW + timedelta(minutes=minute),
                )
            )
    requests = uow.read().change_requests

    # when pages are read: a full one, the short last one, one past the end, an empty list
    pages = [await requests.page(None, offset, 2) for offset in (0, 2, 4)]
    rejected = await requests.page(ChangeRequestStatus.REJECTED, 0, 2)

    # then each tells whether more follow, and the totals count every request of the status
    assert [(len(items), more) for items, more in pages] == [(2, True), (1, False), (0, False)]
    assert rejected == ([], False)
    assert await requests.count(None) == 3
    assert await requests.count(ChangeRequestStatus.REJECTED) == 0

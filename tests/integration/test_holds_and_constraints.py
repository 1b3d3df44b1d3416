"""Hold expiry with a controlled clock, and the database's own capacity and resource guards."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.booking_details import BookingDetails, CustomerInput
from booking_gateway.domain.errors import ReservationExpired, SlotTaken
from booking_gateway.domain.ids import RequestId, TenantId
from booking_gateway.domain.models import RequestMeta
from booking_gateway.domain.principal import ALL_SCOPES, Principal
from booking_gateway.domain.scheduling import AllocatedService, ResourceId, ServiceId
from booking_gateway.services.admin import AdminService
from booking_gateway.services.catalog import CatalogService, ServiceInput, WorkshopChange
from booking_gateway.services.online_booking import OnlineBookingService
from booking_gateway.services.placement import Visit
from tests.conftest import FIXED_NOW, ManualClock

T0 = FIXED_NOW
ZONE = ZoneInfo("Europe/Copenhagen")
START = datetime.combine(T0.date() + timedelta(days=7), time(10), tzinfo=ZONE)
DETAILS = BookingDetails(customer=CustomerInput("CUSTOMER0001", "Karen", "Jensen"))


async def setup(db: Db, clock: ManualClock) -> tuple[OnlineBookingService, str, str]:
    principal = Principal(
        TenantId(f"t-{uuid.uuid4().hex[:10]}"), "staff", frozenset(ALL_SCOPES.split())
    )
    uow = SqlUnitOfWork(db, TenantScope(principal.tenant))
    workshop = await AdminService(uow, principal, clock).create_workshop("W", "Europe/Copenhagen")
    catalog = CatalogService(uow, principal, clock)
    await catalog.update_workshop(
        workshop.id, WorkshopChange(opening_hours={d: [("08:00", "16:00")] for d in range(7)})
    )
    service = await catalog.save_service(
        ServiceInput(names={"en": "Oil"}, duration_minutes=60, workshop_ids=[workshop.id])
    )
    online = OnlineBookingService(uow, principal, RequestMeta(RequestId("test")), clock)
    return online, workshop.id, service.id


async def test_an_expired_hold_stops_blocking_the_moment_it_expires(db: Db) -> None:
    # given a 15-minute hold on the only spot, on a clock that moves only when told
    clock = ManualClock(T0, tick=timedelta(0))
    online, workshop_id, service_id = await setup(db, clock)
    visit = Visit(workshop_id, [service_id], start=START)
    hold = await online.reserve(visit)
    assert hold.expires_at == T0 + timedelta(minutes=15)

    # when the hold is one microsecond from expiry, the slot is still held
    clock.now = hold.expires_at - timedelta(microseconds=1)
    listed = await online.timeslots(Visit(workshop_id, [service_id]), START.date(), START.date())
    assert START not in [s.start for s in listed.slots]
    with pytest.raises(SlotTaken) as held:
        await online.create_booking(visit, DETAILS)
    assert held.value.reason == "HELD"

    # then at expires_at it is free at once, without any sweeper, and bookable
    clock.now = hold.expires_at
    listed = await online.timeslots(Visit(workshop_id, [service_id]), START.date(), START.date())
    assert START in [s.start for s in listed.slots]
    [booking] = await online.create_booking(visit, DETAILS)
    assert booking.appointment.starts_at == START

    # and confirming the expired hold is RESERVATION_EXPIRED
    with pytest.raises(ReservationExpired):
        await online.confirm(hold.id, DETAILS)


async def test_the_database_refuses_capacity_beyond_the_limit(db: Db) -> None:
    # given one spot allocated of a capacity-1 service (bypassing the scheduler's check)
    repos = SqlUnitOfWork(db, TenantScope(TenantId(f"t-{uuid.uuid4().hex[:10]}")))
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    line = AllocatedService(
        ServiceId("svc"), start, start + timedelta(hours=1), start, start + timedelta(hours=1), ()
    )
    async with repos.begin() as r:
        await r.allocations.allocate(
            workshop_id="w",
            visit_id="va",
            line_id="a",
            line=line,
            spots=1,
            capacity=1,
            expires_at=None,
        )

    # when a second spot is written straight to the repository
    with pytest.raises(SlotTaken) as refused:
        async with repos.begin() as r:
            await r.allocations.allocate(
                workshop_id="w",
                visit_id="vb",
                line_id="b",
                line=line,
                spots=1,
                capacity=1,
                expires_at=None,
            )

    # then the guarded counter refuses it
    assert refused.value.reason == "CAPACITY"


async def test_postgresql_refuses_overlapping_use_of_a_resource(db: Db) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite serialises writers")
    repos = SqlUnitOfWork(db, TenantScope(TenantId(f"t-{uuid.uuid4().hex[:10]}")))
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    lift = (ResourceId(f"lift-{uuid.uuid4().hex[:6]}"),)
    first = AllocatedService(
        ServiceId("a"), start, start + timedelta(hours=1), start, start + timedelta(hours=1), lift
    )
    overlapping = AllocatedService(
        ServiceId("b"),
        start,
        start + timedelta(hours=1),
        start + timedelta(minutes=30),
        start + timedelta(minutes=90),
        lift,
    )
    async with repos.begin() as r:
        await r.allocations.allocate(
            workshop_id="w",
            visit_id="v1",
            line_id="1",
            line=first,
            spots=1,
            capacity=10,
            expires_at=None,
        )
    with pytest.raises(SlotTaken) as refused:
        async with repos.begin() as r:
            await r.allocations.allocate(
                workshop_id="w",
                visit_id="v2",
                line_id="2",
                line=overlapping,
                spots=1,
                capacity=10,
                expires_at=None,
            )
    assert refused.value.reason == "RESOURCE_BUSY"

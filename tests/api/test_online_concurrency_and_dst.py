"""No slot is sold twice under concurrency; daylight saving neither creates nor loses slots."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from tests.api.online import (
    CREATE_BOOKING,
    CUSTOMER,
    RESERVE,
    TIMESLOTS,
    future_day,
    local_at,
    resource,
    service,
    workshop,
)
from tests.api.queries import UPDATE_SETTINGS
from tests.conftest import Api

RACERS = 50


def outcomes(bodies: list[dict[str, Any]], field: str) -> tuple[int, set[str]]:
    assert all("errors" not in b for b in bodies), [b for b in bodies if "errors" in b][:1]
    results = [b["data"][field] for b in bodies]
    winners = [
        r for r in results if r["__typename"] in ("BookingSuccess", "ReserveTimeslotSuccess")
    ]
    reasons = {r["reason"] for r in results if r["__typename"] == "SlotUnavailableError"}
    assert len(winners) + sum(r["__typename"] == "SlotUnavailableError" for r in results) == len(
        results
    )
    return len(winners), reasons


async def test_fifty_concurrent_bookings_for_capacity_three_give_three_winners(api: Api) -> None:
    # given a slot with capacity 3
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, maxNumberOfReservations=3)
    booking = {
        "workshopId": workshop_id,
        "serviceIds": [service_id],
        "startsAt": local_at(future_day(), "10:00"),
        "details": {"customer": CUSTOMER},
    }

    # when fifty clients book it at once
    responses = await asyncio.gather(
        *(api.post(CREATE_BOOKING, {"input": booking}) for _ in range(RACERS))
    )

    # then exactly three win and the rest get a clean SlotUnavailableError
    winners, reasons = outcomes([r.json() for r in responses], "createBooking")
    assert winners == 3
    assert reasons <= {"CAPACITY"}


async def test_fifty_concurrent_holds_for_capacity_three_give_three_winners(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, maxNumberOfReservations=3)
    visit = {
        "workshopId": workshop_id,
        "serviceIds": [service_id],
        "startsAt": local_at(future_day(), "11:00"),
    }
    responses = await asyncio.gather(*(api.post(RESERVE, {"input": visit}) for _ in range(RACERS)))
    winners, reasons = outcomes([r.json() for r in responses], "reserveTimeslot")
    assert winners == 3
    assert reasons <= {"CAPACITY", "HELD"}


async def test_fifty_concurrent_bookings_share_two_lifts_between_two(api: Api) -> None:
    # given a roomy service that needs a lift, and two lifts
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift 1")
    await resource(api, workshop_id, "lift", "Lift 2")
    service_id = await service(
        api, workshop_id, maxNumberOfReservations=50, requiredResourceTypes=["lift"]
    )
    booking = {
        "workshopId": workshop_id,
        "serviceIds": [service_id],
        "startsAt": local_at(future_day(), "12:00"),
        "details": {"customer": CUSTOMER},
    }

    responses = await asyncio.gather(
        *(api.post(CREATE_BOOKING, {"input": booking}) for _ in range(RACERS))
    )

    winners, reasons = outcomes([r.json() for r in responses], "createBooking")
    assert winners == 2
    assert reasons == {"RESOURCE_BUSY"}


COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def midnight_offset(day: date) -> timedelta:
    offset = datetime.combine(day, time(), tzinfo=COPENHAGEN).utcoffset()
    assert offset is not None
    return offset


def next_transition(after: date, *, forward: bool) -> date:
    """The first local date after ``after`` on which Copenhagen's clocks go forward (or back),
    read from the time zone database rather than assumed."""
    day = after + timedelta(days=1)
    for _ in range(2 * 366):
        before, then = midnight_offset(day), midnight_offset(day + timedelta(days=1))
        if then != before and (then > before) == forward:
            return day
        day += timedelta(days=1)
    raise AssertionError(f"Copenhagen changes no clocks in two years after {after}")


async def slots_of(api: Api, workshop_id: str, service_id: str, day: date) -> dict[str, Any]:
    data = await api.ok(
        TIMESLOTS,
        {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "from": day.isoformat(),
            "to": day.isoformat(),
        },
    )
    [found] = data["timeslots"]["days"]
    assert found["date"] == day.isoformat()
    return dict(found)


def assert_real_quarter_hours(starts: list[str]) -> None:
    instants = [datetime.fromisoformat(s) for s in starts]
    assert all(b - a == timedelta(minutes=15) for a, b in pairwise(instants))


async def test_dst_in_copenhagen_neither_creates_nor_loses_slots(api: Api) -> None:
    # given a Copenhagen workshop open 00:00-06:00 and a 15-minute service
    night = [{"weekday": d, "intervals": [["00:00", "06:00"]]} for d in range(7)]
    workshop_id = await workshop(api, hours=night)
    service_id = await service(api, workshop_id, durationMinutes=15)
    await api.ok(UPDATE_SETTINGS, {"input": {"bookingHorizonDays": 730, "minimumNoticeMinutes": 0}})
    # and the next clock changes after the suite's today (in spring a week later still, so the
    # ordinary night a week before it lies ahead too)
    spring = next_transition(future_day(7), forward=True)
    autumn = next_transition(future_day(0), forward=False)

    # when the two transition days are listed
    short_night = await slots_of(api, workshop_id, service_id, spring)
    long_night = await slots_of(api, workshop_id, service_id, autumn)
    ordinary = await slots_of(api, workshop_id, service_id, spring - timedelta(days=7))

    # then each real quarter hour of opening is one slot: 5 h in spring, 7 h in autumn
    assert len(ordinary["startsAt"]) == 6 * 4  # 00:00 .. 05:45
    assert len(short_night["startsAt"]) == 5 * 4
    assert len(long_night["startsAt"]) == 7 * 4
    for day in (short_night, long_night, ordinary):
        assert_real_quarter_hours(day["startsAt"])
        assert len(set(day["startsAt"])) == len(day["startsAt"])
        assert [datetime.fromisoformat(s) for s in day["startsAt"]] == [
            datetime.fromisoformat(s) for s in day["localStartsAt"]
        ]

    # and local times jump where the clocks do
    spring_local = short_night["localStartsAt"]
    gap = spring_local.index(f"{spring.isoformat()}T01:45:00+01:00")
    assert spring_local[gap + 1] == f"{spring.isoformat()}T03:00:00+02:00"
    autumn_local = long_night["localStartsAt"]
    assert f"{autumn.isoformat()}T02:30:00+02:00" in autumn_local
    assert f"{autumn.isoformat()}T02:30:00+01:00" in autumn_local
    assert autumn_local[-1] == f"{autumn.isoformat()}T05:45:00+01:00"

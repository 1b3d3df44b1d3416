"""The scheduler gives exactly what the plain interval-based one (``reference.py``) gives.

Differential: hypothesis draws workshops, catalogs, resources, busy lines and queries over
a few days (ordinary and daylight-saving, zones with odd offsets), including what the API
never sends but the functions accept: times off the 5-minute grid down to the microsecond,
lines on unknown resources or services, expired holds, lines without spots, a resource
listed twice or under two types. ``compute_timeslots`` must return equal timeslots (local
times to the wall field and fold) and ``check_slot`` the same answer at every start of the
grid and at starts off it, with and without ``ignore_opening_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking_gateway.domain.scheduling import (
    Busy,
    BusyKind,
    OpeningHours,
    OpeningInterval,
    Placement,
    Resource,
    ResourceId,
    ServiceId,
    ServiceSpec,
    SlotQuery,
    Timeslot,
    check_slot,
    compute_timeslots,
    engine,
)
from booking_gateway.domain.scheduling.clock import local_time, wall_to_utc
from tests.unit.scheduling import reference

FIRST_DAYS = (
    ("Europe/Copenhagen", date(2026, 6, 1)),
    ("Europe/Copenhagen", date(2026, 3, 28)),  # then the spring-forward night
    ("Europe/Copenhagen", date(2026, 10, 24)),  # then the fall-back night
    ("America/New_York", date(2026, 3, 7)),
    ("America/New_York", date(2026, 10, 31)),
    ("Asia/Kathmandu", date(2026, 6, 3)),  # UTC+05:45
    ("Australia/Lord_Howe", date(2026, 4, 4)),  # a half-hour change
    ("UTC", date(2026, 6, 2)),
)
KINDS = ("lift", "bay")
NEEDS: tuple[tuple[str, ...], ...] = ((), (), ("lift",), ("lift",), ("bay",), ("lift", "bay"))
NEEDS += (("lift", "lift"), ("bay", "lift", "bay"))
EXAMPLES = max(150, settings().max_examples)  # the profile's (ci: 50, long: 5000), at least 150
MICROSECOND = timedelta(microseconds=1)
ZONES = ("Europe/Copenhagen", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC")


@dataclass(frozen=True)
class Case:
    hours: OpeningHours
    first: date
    last: date
    resources: tuple[Resource, ...]
    query: SlotQuery
    busy: tuple[Busy, ...]
    probes: tuple[tuple[datetime, bool], ...]  # extra starts for check_slot, ignore hours?


def span(
    low: int, high: int, unit: timedelta = timedelta(minutes=1)
) -> st.SearchStrategy[timedelta]:
    return st.integers(low, high).map(lambda n: n * unit)


def odd(low_minutes: int, high_minutes: int, grid: int = 0) -> st.SearchStrategy[timedelta]:
    """Multiples of ``grid`` minutes; for ``grid=0`` each draw picks 5, 1 or none (then any
    microsecond in between)."""
    if grid == 0:
        return st.sampled_from((5, 1, 0)).flatmap(
            lambda each: (
                odd(low_minutes, high_minutes, each)
                if each
                else span(low_minutes * 60_000_000, high_minutes * 60_000_000, MICROSECOND)
            )
        )
    return span(-(-low_minutes // grid), high_minutes // grid, timedelta(minutes=grid))


@st.composite
def intervals(draw: st.DrawFn, grid: int) -> tuple[OpeningInterval, ...]:
    result: list[OpeningInterval] = []
    grid = grid or 1
    minute = grid * draw(st.integers(0, 16 * 60 // grid))
    for _ in range(draw(st.sampled_from((0, 1, 1, 2, 2, 3)))):
        opens = minute + grid * draw(st.integers(0, 180 // grid))
        closes = opens + grid * draw(st.integers(1, 8 * 60 // grid))
        if closes > 24 * 60 - 1:
            break
        second = draw(st.sampled_from((0, 0, 0, 30)))
        result.append(OpeningInterval(_clock(opens, second), _clock(closes)))
        minute = closes
    return tuple(result)


def _clock(minute: int, second: int = 0) -> time:
    return time(minute // 60, minute % 60, second)


@st.composite
def services(draw: st.DrawFn, name: str, grid: int) -> ServiceSpec:
    return ServiceSpec(
        ServiceId(name),
        duration=draw(odd(1, 120, grid)),
        capacity=draw(st.integers(1, 6)),
        buffer_before=draw(st.just(timedelta(0)) | odd(0, 30, grid)),
        buffer_after=draw(st.just(timedelta(0)) | odd(0, 30, grid)),
        slot_interval=draw(st.sampled_from((5, 10, 15, 30, 60)).map(_minutes) | odd(1, 45, grid)),
        required_resource_types=draw(st.sampled_from(NEEDS)),
    )


def _horizon(some: int | None) -> st.SearchStrategy[timedelta | None]:
    return st.none() if some is None else odd(0, 5 * 24 * 60, 5)


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


@st.composite
def lines(
    draw: st.DrawFn,
    around: list[datetime],
    now: datetime,
    catalog: tuple[ServiceSpec, ...],
    grid: int,
) -> Busy:
    start = draw(st.sampled_from(around)) + draw(odd(-3 * 60, 10 * 60, grid))
    kind = draw(st.sampled_from(BusyKind))
    expires = None
    if kind is BusyKind.HOLD or draw(st.integers(0, 9)) == 0:
        expires = now + draw(odd(-60, 60, grid))
    service = draw(st.none() | st.sampled_from([*catalog, None]))
    ids = st.sampled_from(("lift-0", "lift-1", "lift-2", "bay-0", "bay-1", "both", "gone"))
    return Busy(
        start,
        start + draw(odd(1, 240, grid)),
        resource_ids=tuple(draw(st.lists(ids.map(ResourceId), max_size=3))),
        service_id=draw(st.sampled_from((None, ServiceId("unknown"))))
        if service is None
        else service.id,
        spots=draw(st.integers(0, 3)),
        kind=kind,
        expires_at=expires,
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone, first = draw(st.sampled_from(FIRST_DAYS))
    # Every duration and instant on the 5-minute grid (as the API has them, so that lines and
    # windows often just touch), or on whole minutes, or mixed down to the microsecond.
    unit = draw(st.sampled_from((5, 5, 1, 0)))
    last = first + timedelta(days=draw(st.integers(0, 2)))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    weekly = {day.weekday(): draw(intervals(unit)) for day in days if draw(st.integers(0, 3))}
    special = {day: draw(intervals(unit)) for day in days if draw(st.integers(0, 3)) == 0}
    hours = OpeningHours(zone, weekly=weekly, special_days=special)
    midnight = datetime.combine(first, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    now = midnight + draw(odd(-2 * 24 * 60, 18 * 60, unit))

    catalog = tuple(draw(services(f"service-{n}", unit)) for n in range(draw(st.integers(1, 4))))
    visit = draw(st.permutations(catalog))[: draw(st.sampled_from((1, 1, 2, 2, 3)))]
    pool = [
        Resource(ResourceId(f"{kind}-{n}"), kind)
        for kind in KINDS
        for n in range(draw(st.sampled_from((0, 1, 2, 2, 3, 3))))
    ]
    if draw(st.integers(0, 3)) == 0:
        pool.append(Resource(ResourceId("both"), "lift"))
        pool.append(Resource(ResourceId("both"), "bay"))  # one id, two types
    if pool and draw(st.integers(0, 3)) == 0:
        pool.append(draw(st.sampled_from(pool)))  # listed twice
    pool = draw(st.permutations(pool))
    needed = {kind for service in visit for kind in service.required_resource_types}
    choosable = sorted({r.id for r in pool if r.type in needed})
    requested = None
    if choosable and draw(st.integers(0, 3)) == 0:
        # As _plan validates: the type it was listed under last must be one the visit needs.
        last_type = {r.id: r.type for r in pool}
        valid = [rid for rid in choosable if last_type[rid] in needed]
        requested = draw(st.sampled_from(valid)) if valid else None
    query = SlotQuery(
        services=tuple(visit),
        now=now,
        spots=draw(st.sampled_from((1, 1, 1, 2, 3))),
        requested_resource_id=requested,
        min_notice=draw(st.just(timedelta(0)) | odd(0, 300, unit)),
        horizon=draw(st.sampled_from((None, None, 1)).flatmap(_horizon)),
        placement=draw(st.sampled_from(Placement)),
    )
    # Lines around the opening hours, where they matter.
    opens = [o for day in days for o, _ in reference.opening_windows(hours, day)] or [midnight]
    # Crowded: mostly lines like those of earlier bookings of this very visit, on its grid.
    crowded = draw(st.booleans())
    count = draw(st.integers(0, 8 if crowded else 25))
    busy = [draw(lines(opens, now, catalog, unit)) for _ in range(count)]
    starts = grid(hours, first, last, query)
    if starts:
        count = draw(st.integers(5, 30) if crowded else st.integers(0, 8))
        busy += [draw(booked(starts, query, pool)) for _ in range(count)]
    for line in draw(st.lists(st.sampled_from(busy), max_size=4)) if busy else ():
        length = line.end - line.start  # and the next one back to back
        busy.append(replace(line, start=line.end, end=line.end + length))
    busy = draw(st.permutations(busy))
    probes = tuple(
        draw(st.lists(st.tuples(odd(0, 3 * 24 * 60).map(midnight.__add__), st.booleans())))
    )
    return Case(hours, first, last, tuple(pool), query, tuple(busy), probes)


def strict(outcome: Any) -> Any:
    """What equality leaves out: a local time's wall fields, fold and zone."""
    if isinstance(outcome, Timeslot):
        local = (outcome.local_start, outcome.local_end)
        return outcome, [(t.replace(tzinfo=None), t.fold, t.tzinfo) for t in local]
    return outcome


def grid_starts(case: Case) -> list[datetime]:
    return grid(case.hours, case.first, case.last, case.query)


def grid(hours: OpeningHours, first: date, last: date, query: SlotQuery) -> list[datetime]:
    """Every start of the grid, too soon or too far ahead or not."""
    step, visit = query.services[0].slot_interval, length(query)
    starts = []
    for day in reference.local_days(first, last):
        for opens, closes in reference.opening_windows(hours, day):
            start = opens
            while start + visit <= closes:
                starts.append(start)
                start += step
    return starts


def length(query: SlotQuery) -> timedelta:
    if query.placement is Placement.SEQUENTIAL:
        return sum((service.duration for service in query.services), timedelta(0))
    return max(service.duration for service in query.services)


def windows(query: SlotQuery) -> list[tuple[ServiceId, timedelta, timedelta]]:
    """Each service of the visit with what it blocks, from the visit's start."""
    result = []
    offset = timedelta(0)
    for service in query.services:
        end = offset + service.duration
        result.append((service.id, offset - service.buffer_before, end + service.buffer_after))
        if query.placement is Placement.SEQUENTIAL:
            offset = end
    return result


@st.composite
def booked(draw: st.DrawFn, starts: list[datetime], query: SlotQuery, pool: list[Resource]) -> Busy:
    """A line like the ones booking this visit at one of its starts leaves behind."""
    start = draw(st.sampled_from(starts))
    service_id, lead, tail = draw(st.sampled_from(windows(query)))
    held = draw(st.lists(st.sampled_from([r.id for r in pool]), max_size=2)) if pool else []
    hold = draw(st.booleans())
    return Busy(
        start + lead,
        start + tail,
        resource_ids=tuple(held),
        service_id=service_id,
        spots=draw(st.integers(1, 3)),
        kind=BusyKind.HOLD if hold else BusyKind.BOOKING,
        expires_at=query.now + draw(odd(-30, 30)) if hold else None,
    )


@settings(max_examples=EXAMPLES)
@given(cases())
def test_compute_timeslots_matches_the_reference(case: Case) -> None:
    # when
    arguments = (case.hours, case.query, case.resources, case.busy)
    found = compute_timeslots(*arguments, date_from=case.first, date_to=case.last)
    expected = reference.compute_timeslots(*arguments, date_from=case.first, date_to=case.last)

    # then
    assert [strict(slot) for slot in found] == [strict(slot) for slot in expected]


@settings(max_examples=EXAMPLES)
@given(cases())
def test_check_slot_matches_the_reference(case: Case) -> None:
    # given
    starts = [(start, False) for start in grid_starts(case)] + list(case.probes)
    arguments = (case.hours, case.query, case.resources, case.busy)

    for start, ignore_hours in starts:
        # when
        outcome = check_slot(*arguments, start, ignore_opening_hours=ignore_hours)
        expected = reference.check_slot(*arguments, start, ignore_opening_hours=ignore_hours)

        # then
        assert strict(outcome) == strict(expected), (start, ignore_hours)


def test_the_local_time_shortcut_is_astimezone() -> None:
    # given: every quarter of an hour of 2026, both clock changes included, odd offsets too
    for name in ZONES:
        zone = ZoneInfo(name)
        local = local_time(zone)
        instant = datetime(2026, 1, 1, tzinfo=UTC)
        while instant.year == 2026:
            # when
            shortcut, plain = local(instant), instant.astimezone(zone)

            # then
            assert (shortcut.replace(tzinfo=None), shortcut.fold, shortcut.tzinfo) == (
                plain.replace(tzinfo=None),
                plain.fold,
                plain.tzinfo,
            )
            instant += timedelta(minutes=15)


def test_wall_times_resolve_as_the_reference_resolves_them() -> None:
    # given: every minute (and some seconds) of the days around the clock changes of 2026
    days = [date(2026, 3, d) for d in (7, 8, 28, 29)] + [date(2026, 10, 25), date(2026, 11, 1)]
    days += [date(2026, 4, 5), date(2026, 10, 4)]  # Lord Howe
    walls = [time(m // 60, m % 60) for m in range(24 * 60)] + [time(2, 30, 15, 7)]
    for name in ZONES:
        zone = ZoneInfo(name)
        for day in days:
            for wall in walls:
                # when
                fast, plain = wall_to_utc(day, wall, zone), reference.wall_to_utc(day, wall, zone)

                # then
                assert (fast, fast.tzinfo) == (plain, plain.tzinfo), (name, day, wall)


# Lines that only touch a window (half-open intervals), which the hypothesis search above
# reaches only now and then.
TOUCH_DAY = date(2026, 6, 1)  # a Monday
TOUCH_HOURS = OpeningHours("UTC", weekly={0: (OpeningInterval(time(8), time(12)),)})
LIFT = Resource(ResourceId("lift"), "lift")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TOUCH_DAY, time(hour, minute), tzinfo=UTC)


def listed(service: ServiceSpec, busy: list[Busy], pool: list[Resource]) -> dict[time, int]:
    query = SlotQuery(services=(service,), now=at(0))
    arguments = (TOUCH_HOURS, query, pool, busy)
    found = compute_timeslots(*arguments, date_from=TOUCH_DAY, date_to=TOUCH_DAY)
    expected = reference.compute_timeslots(*arguments, date_from=TOUCH_DAY, date_to=TOUCH_DAY)
    assert found == expected
    assert hash(tuple(found)) == hash(tuple(expected))  # (built without __init__, the same)
    return {slot.start.time(): slot.available_spots for slot in found}


def test_a_resource_line_touching_a_window_does_not_block_it() -> None:
    # given: the lift is busy 09:00-10:00, a visit blocks 30 minutes (15 of them buffer)
    service = ServiceSpec(
        ServiceId("check"),
        duration=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
        required_resource_types=("lift",),
    )
    busy = [Busy(at(9), at(10), resource_ids=(LIFT.id,))]

    # when
    found = listed(service, busy, [LIFT])

    # then: 08:30 blocks until 09:00, 10:00 from 10:00; 08:45 and 09:45 overlap
    assert {time(8, 30), time(10)} <= found.keys()
    assert not {time(8, 45), time(9), time(9, 45)} & found.keys()


def test_lines_back_to_back_are_not_in_use_together() -> None:
    # given: capacity 2, one spot taken 09:00-10:00 and another 10:00-11:00
    service = ServiceSpec(ServiceId("wash"), duration=timedelta(hours=1), capacity=2)
    busy = [
        Busy(at(9), at(10), service_id=service.id),
        Busy(at(10), at(11), service_id=service.id),
    ]

    # when
    found = listed(service, busy, [])

    # then: 09:30-10:30 meets one of them at any instant, never both
    assert found[time(9, 30)] == 1
    assert found[time(8)] == 2


def test_windows_out_of_order_are_listed_as_the_reference_lists_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: opening windows that overlap and run backwards (no zone's clock does that; the
    # scheduler sorts its starts for the sweep and must still list them in grid order)
    plain = reference.opening_windows

    def scrambled(hours: OpeningHours, day: date) -> list[tuple[datetime, datetime]]:
        windows = plain(hours, day)
        return [*reversed(windows), *windows]

    monkeypatch.setattr(engine, "opening_windows", scrambled)
    monkeypatch.setattr(reference, "opening_windows", scrambled)
    hours = OpeningHours(
        "UTC", weekly={0: (OpeningInterval(time(8), time(10)), OpeningInterval(time(11), time(12)))}
    )
    service = ServiceSpec(
        ServiceId("check"),
        duration=timedelta(minutes=30),
        capacity=2,
        required_resource_types=("lift",),
    )
    query = SlotQuery(services=(service,), now=at(0))
    busy = [Busy(at(9), at(11, 15), resource_ids=(LIFT.id,), service_id=service.id)]
    arguments = (hours, query, [LIFT, Resource(ResourceId("lift-2"), "lift")], busy)

    # when
    found = compute_timeslots(*arguments, date_from=TOUCH_DAY, date_to=TOUCH_DAY)
    expected = reference.compute_timeslots(*arguments, date_from=TOUCH_DAY, date_to=TOUCH_DAY)

    # then
    assert found == expected
    assert len(found) > len({slot.start for slot in found})  # each window listed twice

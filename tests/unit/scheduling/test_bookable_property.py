"""Every start shown can be booked, as often as its available spots say, and no more.

Hypothesis generates a day (ordinary or a daylight-saving change, in several zones), opening
hours, a catalog, resources, bookings and holds, and the visit asked for. For each start that
``compute_timeslots`` shows, booking ``available_spots // spots`` visits one after another
through ``check_slot`` (the rule ``reserve`` and ``createBooking`` apply) succeeds, and the next
one is refused. Every start of the grid that is not shown is refused by ``check_slot``: too soon
or too far ahead where its time says so, else for capacity or resources, or as held exactly
when the start would be free without the live holds.

The suite runs a fixed number of examples from a fixed seed (the ``ci`` profile in
tests/conftest.py). A longer run, with a fresh seed each time:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest -p no:cacheprovider \
        tests/unit/scheduling/test_bookable_property.py
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
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
    Unavailable,
    UnavailableReason,
    check_slot,
    compute_timeslots,
)
from booking_gateway.domain.scheduling.clock import opening_windows

# (zone, local date): ordinary days and both daylight-saving changes of two zones, plus a zone
# whose offset is not a whole hour.
DAYS = (
    ("Europe/Copenhagen", date(2026, 6, 1)),
    ("Europe/Copenhagen", date(2026, 3, 29)),
    ("Europe/Copenhagen", date(2026, 10, 25)),
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Asia/Kathmandu", date(2026, 6, 3)),
    ("UTC", date(2026, 6, 2)),
)
RESOURCE_TYPES = ("lift", "bay")
RESOURCE_NEEDS = ((), ("lift",), ("bay",), ("lift", "bay"), ("lift", "lift"), ("bay", "bay"))
REFUSALS = {UnavailableReason.CAPACITY, UnavailableReason.RESOURCE_BUSY, UnavailableReason.HELD}
HOLD_TIME = timedelta(minutes=15)


@dataclass(frozen=True)
class Scenario:
    hours: OpeningHours
    day: date
    resources: tuple[Resource, ...]
    query: SlotQuery
    busy: tuple[Busy, ...]
    new_visits_are_holds: bool  # how the test books: as bookings or as live holds


def minutes(low: int, high: int, step: int = 1) -> st.SearchStrategy[timedelta]:
    return st.integers(low // step, high // step).map(lambda n: timedelta(minutes=n * step))


@st.composite
def opening_hours(draw: st.DrawFn, zone: str, day: date) -> OpeningHours:
    """One or two intervals on ``day``: as its weekday's hours or as a special day."""
    first_open = draw(st.integers(0, 22 * 60))
    first_close = draw(st.integers(first_open + 30, min(first_open + 10 * 60, 23 * 60 + 59)))
    intervals = [OpeningInterval(_clock(first_open), _clock(first_close))]
    if first_close <= 23 * 60 and draw(st.booleans()):
        second_open = draw(st.integers(first_close, min(first_close + 120, 23 * 60 + 29)))
        second_close = draw(st.integers(second_open + 30, min(second_open + 300, 23 * 60 + 59)))
        intervals.append(OpeningInterval(_clock(second_open), _clock(second_close)))
    if draw(st.booleans()):
        return OpeningHours(zone, weekly={day.weekday(): tuple(intervals)})
    return OpeningHours(zone, weekly={}, special_days={day: tuple(intervals)})


def _clock(minute_of_day: int) -> time:
    return time(minute_of_day // 60, minute_of_day % 60)


@st.composite
def service_specs(draw: st.DrawFn, name: str) -> ServiceSpec:
    return ServiceSpec(
        ServiceId(name),
        duration=draw(minutes(5, 90)),
        capacity=draw(st.integers(1, 5)),
        buffer_before=draw(st.one_of(st.just(timedelta(0)), minutes(1, 30))),
        buffer_after=draw(st.one_of(st.just(timedelta(0)), minutes(1, 30))),
        slot_interval=draw(minutes(5, 60, step=5)),
        required_resource_types=draw(st.sampled_from(RESOURCE_NEEDS)),
    )


@st.composite
def busy_lines(
    draw: st.DrawFn,
    around: datetime,
    now: datetime,
    services: tuple[ServiceSpec, ...],
    resources: tuple[Resource, ...],
) -> Busy:
    start = around + draw(minutes(-60, 15 * 60))
    end = start + draw(minutes(5, 120))
    kind = draw(st.sampled_from(BusyKind))
    expires_at = None
    if kind is BusyKind.HOLD:
        expires_at = now + draw(minutes(-30, 30))  # expired or live
    service = draw(st.none() | st.sampled_from(services))
    held = draw(st.lists(st.sampled_from(resources), max_size=2, unique=True)) if resources else []
    return Busy(
        start,
        end,
        resource_ids=tuple(resource.id for resource in held),
        service_id=None if service is None else service.id,
        spots=0 if service is None else draw(st.integers(1, 3)),
        kind=kind,
        expires_at=expires_at,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone, day = draw(st.sampled_from(DAYS))
    hours = draw(opening_hours(zone, day))
    midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    # Mostly before the day; sometimes during it, so that its early starts are too soon.
    during = draw(st.integers(0, 3)) == 0
    now = midnight + draw(minutes(0, 18 * 60, 5) if during else minutes(-2 * 24 * 60, 0, 5))

    catalog = tuple(draw(service_specs(f"service-{n}")) for n in range(draw(st.integers(1, 4))))
    size = min(len(catalog), draw(st.sampled_from((1, 1, 1, 2, 2, 3))))
    visit = tuple(draw(st.permutations(catalog))[:size])
    resources = tuple(
        Resource(ResourceId(f"{kind}-{n}"), kind)
        for kind in RESOURCE_TYPES
        for n in range(draw(st.sampled_from((0, 1, 2, 2, 3, 3))))
    )
    needed = {kind for service in visit for kind in service.required_resource_types}
    choosable = [resource.id for resource in resources if resource.type in needed]
    requested = None
    if choosable and draw(st.integers(0, 3)) == 0:
        requested = draw(st.sampled_from(choosable))
    query = SlotQuery(
        services=visit,
        now=now,
        spots=draw(st.sampled_from((1, 1, 1, 2))),
        requested_resource_id=requested,
        min_notice=draw(st.just(timedelta(0)) | minutes(0, 240, step=15)),
        horizon=draw(st.none() | st.none() | minutes(0, 3 * 24 * 60, step=30)),
        placement=draw(st.sampled_from(Placement)),
    )
    first_open = min(
        (opens for opens, _ in opening_windows(hours, day)),
        default=midnight,
    )
    busy = tuple(draw(st.lists(busy_lines(first_open, now, catalog, resources), max_size=10)))
    return Scenario(hours, day, resources, query, busy, draw(st.booleans()))


def grid(scenario: Scenario) -> list[datetime]:
    """Every start the day's hours allow for the visit, shown or not."""
    services = scenario.query.services
    if scenario.query.placement is Placement.SEQUENTIAL:
        length = sum((service.duration for service in services), timedelta(0))
    else:
        length = max(service.duration for service in services)
    step = services[0].slot_interval
    starts = []
    for opens, closes in opening_windows(scenario.hours, scenario.day):
        start = opens
        while start + length <= closes:
            starts.append(start)
            start += step
    return starts


def check(scenario: Scenario, busy: list[Busy], start: datetime) -> Timeslot | Unavailable:
    return check_slot(scenario.hours, scenario.query, scenario.resources, busy, start)


def booked(scenario: Scenario, slot: Timeslot) -> list[Busy]:
    """The lines a booking (or hold) of ``slot`` adds, as the repositories store them."""
    query = scenario.query
    as_hold = scenario.new_visits_are_holds
    return [
        Busy(
            line.blocked_start,
            line.blocked_end,
            resource_ids=line.resource_ids,
            service_id=line.service_id,
            spots=query.spots,
            kind=BusyKind.HOLD if as_hold else BusyKind.BOOKING,
            expires_at=query.now + HOLD_TIME if as_hold else None,
        )
        for line in slot.allocation
    ]


@given(scenarios())
def test_every_start_shown_takes_its_available_spots_and_no_more(scenario: Scenario) -> None:
    # given
    query = scenario.query

    # when
    shown = compute_timeslots(
        scenario.hours,
        query,
        scenario.resources,
        scenario.busy,
        date_from=scenario.day,
        date_to=scenario.day,
    )

    # then
    for slot in shown:
        visits, remainder = divmod(slot.available_spots, query.spots)
        assert visits >= 1
        assert remainder == 0
        taken = list(scenario.busy)
        for visit in range(visits):
            placed = check(scenario, taken, slot.start)
            assert isinstance(placed, Timeslot), (slot.start, visit, placed)
            assert placed.available_spots == slot.available_spots - visit * query.spots
            if visit == 0:
                assert placed.allocation == slot.allocation
            taken += booked(scenario, placed)
        one_more = check(scenario, taken, slot.start)
        assert isinstance(one_more, Unavailable), (slot.start, visits, one_more)
        assert one_more.reason in REFUSALS


@given(scenarios())
def test_every_start_not_shown_is_refused_for_its_reason(scenario: Scenario) -> None:
    # given
    query = scenario.query
    earliest = query.now + query.min_notice
    latest = None if query.horizon is None else query.now + query.horizon

    # when
    shown = compute_timeslots(
        scenario.hours,
        query,
        scenario.resources,
        scenario.busy,
        date_from=scenario.day,
        date_to=scenario.day,
    )

    # then
    starts = grid(scenario)
    shown_starts = {slot.start for slot in shown}
    assert shown_starts <= set(starts)
    for start in starts:
        if start in shown_starts:
            continue
        refused = check(scenario, list(scenario.busy), start)
        assert isinstance(refused, Unavailable), start
        if start < earliest:
            assert refused.reason is UnavailableReason.TOO_SOON
        elif latest is not None and start > latest:
            assert refused.reason is UnavailableReason.TOO_FAR_AHEAD
        else:
            assert refused.reason in REFUSALS, (start, refused)
            bookings = [line for line in scenario.busy if line.kind is BusyKind.BOOKING]
            free_of_holds = isinstance(check(scenario, bookings, start), Timeslot)
            assert free_of_holds == (refused.reason is UnavailableReason.HELD), (start, refused)

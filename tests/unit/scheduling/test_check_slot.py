from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking_gateway.domain.scheduling import (
    Busy,
    BusyKind,
    OpeningHours,
    OpeningInterval,
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

ZONE = ZoneInfo("Europe/Copenhagen")
MONDAY = date(2026, 6, 1)
HOURS = OpeningHours(
    "Europe/Copenhagen",
    weekly={
        MONDAY.weekday(): (OpeningInterval(time(8), time(12)), OpeningInterval(time(13), time(16)))
    },
)
LIFT = Resource(ResourceId("lift-1"), "lift")
SERVICE = ServiceSpec(
    ServiceId("oil"), duration=timedelta(hours=1), capacity=2, required_resource_types=("lift",)
)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=ZONE)


NOW = at(6)
QUERY = SlotQuery(
    services=(SERVICE,), now=NOW, min_notice=timedelta(hours=2), horizon=timedelta(days=30)
)


def check(
    start: datetime, busy: list[Busy] | None = None, *, ignore_opening_hours: bool = False
) -> Timeslot | Unavailable:
    return check_slot(
        HOURS, QUERY, [LIFT], busy or [], start, ignore_opening_hours=ignore_opening_hours
    )


def lift_hold(expires_at: datetime) -> Busy:
    return Busy(at(9), at(10), resource_ids=(LIFT.id,), kind=BusyKind.HOLD, expires_at=expires_at)


def test_a_free_start_returns_its_allocation() -> None:
    # when
    result = check(at(9))

    # then
    assert isinstance(result, Timeslot)
    assert (result.start, result.end) == (at(9), at(10))
    assert result.local_start == at(9)
    assert result.allocation[0].resource_ids == (LIFT.id,)
    assert result.available_spots == 1  # capacity 2, but one lift: one more visit fits


def test_a_start_before_the_minimum_notice_is_too_soon() -> None:
    # when
    result = check(at(7, 45))

    # then
    assert result == Unavailable(UnavailableReason.TOO_SOON)


def test_a_start_beyond_the_horizon_is_too_far_ahead() -> None:
    # when
    result = check(at(9) + timedelta(days=35))

    # then
    assert result == Unavailable(UnavailableReason.TOO_FAR_AHEAD)


def test_a_visit_running_into_the_lunch_break_is_closed() -> None:
    # when
    result = check(at(11, 30))

    # then
    assert result == Unavailable(UnavailableReason.CLOSED)


def test_an_admin_may_book_outside_opening_hours_when_resources_are_free() -> None:
    # when
    result = check(at(17), ignore_opening_hours=True)

    # then
    assert isinstance(result, Timeslot)
    assert result.local_start == at(17)


def test_an_admin_outside_opening_hours_still_needs_free_resources() -> None:
    # given
    busy = [Busy(at(17), at(18), resource_ids=(LIFT.id,))]

    # when
    result = check(at(17), busy, ignore_opening_hours=True)

    # then
    assert result == Unavailable(UnavailableReason.RESOURCE_BUSY, SERVICE.id)


def test_a_full_service_is_blocked_by_capacity() -> None:
    # given
    busy = [Busy(at(9), at(10), service_id=SERVICE.id, spots=2)]

    # when
    result = check(at(9, 30), busy)

    # then
    assert result == Unavailable(UnavailableReason.CAPACITY, SERVICE.id)


def test_a_booked_resource_is_busy() -> None:
    # given
    busy = [Busy(at(9), at(10), resource_ids=(LIFT.id,))]

    # when
    result = check(at(9, 30), busy)

    # then
    assert result == Unavailable(UnavailableReason.RESOURCE_BUSY, SERVICE.id)


def test_a_resource_busy_only_during_the_buffer_before_is_busy() -> None:
    # given
    buffered = replace(QUERY, services=(replace(SERVICE, buffer_before=timedelta(minutes=15)),))
    busy = [Busy(at(8, 45), at(9), resource_ids=(LIFT.id,))]

    # when
    result = check_slot(HOURS, buffered, [LIFT], busy, at(9, 10))

    # then
    assert result == Unavailable(UnavailableReason.RESOURCE_BUSY, SERVICE.id)


def test_a_start_blocked_only_by_a_live_hold_is_held() -> None:
    # given
    busy = [lift_hold(expires_at=NOW + timedelta(minutes=15))]

    # when
    result = check(at(9, 30), busy)

    # then
    assert result == Unavailable(UnavailableReason.HELD, SERVICE.id)


def test_a_start_blocked_by_a_hold_and_a_booking_is_not_merely_held() -> None:
    # given
    busy = [
        lift_hold(expires_at=NOW + timedelta(minutes=15)),
        Busy(at(9, 45), at(11), resource_ids=(LIFT.id,)),
    ]

    # when
    result = check(at(9, 30), busy)

    # then
    assert result == Unavailable(UnavailableReason.RESOURCE_BUSY, SERVICE.id)


def test_a_start_held_by_an_expired_hold_is_free() -> None:
    # given
    busy = [lift_hold(expires_at=NOW)]

    # when
    result = check(at(9, 30), busy)

    # then
    assert isinstance(result, Timeslot)


def test_check_slot_agrees_with_every_listed_timeslot() -> None:
    # given
    busy = [
        Busy(at(9), at(10), resource_ids=(LIFT.id,)),
        Busy(at(13), at(14), service_id=SERVICE.id, spots=2),
    ]
    listed = compute_timeslots(HOURS, QUERY, [LIFT], busy, date_from=MONDAY, date_to=MONDAY)

    # when
    grid = [at(8) + timedelta(minutes=15 * step) for step in range(33)]
    accepted = [start for start in grid if isinstance(check(start, busy), Timeslot)]

    # then
    assert accepted == [slot.start for slot in listed]
    assert accepted


def test_a_naive_start_is_rejected() -> None:
    # when / then
    with pytest.raises(ValueError, match="timezone-aware"):
        check(datetime(2026, 6, 1, 9))  # noqa: DTZ001

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking_gateway.domain.scheduling import (
    OpeningHours,
    OpeningInterval,
    ServiceId,
    ServiceSpec,
    SlotQuery,
    Timeslot,
    compute_timeslots,
)

ZONE = ZoneInfo("Europe/Copenhagen")
MONDAY = date(2026, 6, 1)
TUESDAY = date(2026, 6, 2)
NOW = datetime(2026, 5, 1, tzinfo=UTC)
SERVICE = ServiceSpec(ServiceId("oil"), duration=timedelta(hours=1))
DAY_SHIFT = (OpeningInterval(time(7), time(17)),)


def weekdays(intervals: tuple[OpeningInterval, ...]) -> OpeningHours:
    return OpeningHours("Europe/Copenhagen", weekly=dict.fromkeys(range(5), intervals))


def slots(hours: OpeningHours, day: date, service: ServiceSpec = SERVICE) -> list[Timeslot]:
    query = SlotQuery(services=(service,), now=NOW)
    return compute_timeslots(hours, query, [], [], date_from=day, date_to=day)


def local_starts(found: list[Timeslot]) -> list[time]:
    return [slot.local_start.time() for slot in found]


def test_slots_run_from_opening_to_the_last_start_that_ends_by_closing() -> None:
    # given
    hours = weekdays(DAY_SHIFT)

    # when
    found = slots(hours, MONDAY)

    # then
    assert local_starts(found)[0] == time(7)
    assert local_starts(found)[-1] == time(16)
    assert len(found) == 37  # 07:00 .. 16:00 every 15 minutes


def test_slots_carry_utc_and_local_times_of_the_workshop_zone() -> None:
    # given
    hours = weekdays(DAY_SHIFT)

    # when
    first = slots(hours, MONDAY)[0]

    # then
    assert first.start == datetime(2026, 6, 1, 5, tzinfo=UTC)
    assert first.end == datetime(2026, 6, 1, 6, tzinfo=UTC)
    assert first.local_start == datetime(2026, 6, 1, 7, tzinfo=ZONE)
    assert first.local_start.utcoffset() == timedelta(hours=2)
    assert first.local_end == datetime(2026, 6, 1, 8, tzinfo=ZONE)


def test_a_weekday_without_hours_is_closed() -> None:
    # given
    hours = weekdays(DAY_SHIFT)

    # when
    found = slots(hours, date(2026, 6, 6))  # Saturday

    # then
    assert found == []


def test_a_special_day_replaces_the_weekly_hours() -> None:
    # given
    hours = OpeningHours(
        "Europe/Copenhagen",
        weekly={MONDAY.weekday(): DAY_SHIFT},
        special_days={MONDAY: (OpeningInterval(time(9), time(12)),)},
    )

    # when
    found = slots(hours, MONDAY)

    # then
    assert local_starts(found)[0] == time(9)
    assert local_starts(found)[-1] == time(11)


def test_a_special_day_without_intervals_is_closed() -> None:
    # given
    hours = OpeningHours(
        "Europe/Copenhagen", weekly={MONDAY.weekday(): DAY_SHIFT}, special_days={MONDAY: ()}
    )

    # when
    found = slots(hours, MONDAY)

    # then
    assert found == []


def test_a_special_day_can_open_a_day_that_is_normally_closed() -> None:
    # given
    sunday = date(2026, 6, 7)
    hours = OpeningHours(
        "Europe/Copenhagen",
        weekly={},
        special_days={sunday: (OpeningInterval(time(10), time(11)),)},
    )

    # when
    found = slots(hours, sunday)

    # then
    assert local_starts(found) == [time(10)]


def test_no_visit_straddles_the_lunch_break() -> None:
    # given
    hours = weekdays((OpeningInterval(time(8), time(12)), OpeningInterval(time(13), time(16))))

    # when
    found = slots(hours, MONDAY)

    # then
    starts = local_starts(found)
    assert time(11) in starts
    assert time(11, 15) not in starts
    assert time(12, 30) not in starts
    assert time(13) in starts
    assert starts[-1] == time(15)


def test_the_grid_is_aligned_to_the_local_opening_time() -> None:
    # given
    hours = weekdays((OpeningInterval(time(7, 10), time(9)),))
    service = ServiceSpec(ServiceId("check"), duration=timedelta(minutes=30))

    # when
    found = slots(hours, MONDAY, service)

    # then
    assert local_starts(found)[:3] == [time(7, 10), time(7, 25), time(7, 40)]
    assert local_starts(found)[-1] == time(8, 25)


def test_the_service_slot_interval_sets_the_grid() -> None:
    # given
    hours = weekdays((OpeningInterval(time(8), time(10)),))
    service = ServiceSpec(
        ServiceId("tyres"), duration=timedelta(minutes=30), slot_interval=timedelta(hours=1)
    )

    # when
    found = slots(hours, MONDAY, service)

    # then
    assert local_starts(found) == [time(8), time(9)]


def test_a_date_range_includes_both_ends() -> None:
    # given
    hours = weekdays((OpeningInterval(time(8), time(9)),))
    query = SlotQuery(services=(SERVICE,), now=NOW)

    # when
    found = compute_timeslots(hours, query, [], [], date_from=MONDAY, date_to=TUESDAY)

    # then
    assert [slot.local_start.date() for slot in found] == [MONDAY, TUESDAY]


def test_overlapping_opening_intervals_are_rejected() -> None:
    # given
    overlapping = (OpeningInterval(time(8), time(12)), OpeningInterval(time(11), time(16)))

    # when / then
    with pytest.raises(ValueError, match="overlap"):
        weekdays(overlapping)

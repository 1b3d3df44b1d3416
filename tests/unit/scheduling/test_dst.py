"""Europe/Copenhagen: clocks go 02:00 -> 03:00 on 2026-03-29 and 03:00 -> 02:00 on 2026-10-25.

Fixed dates and a fixed ``NOW`` shortly before them: nothing here reads the real date.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking_gateway.domain.scheduling import (
    OpeningHours,
    OpeningInterval,
    ServiceId,
    ServiceSpec,
    SlotQuery,
    Timeslot,
    check_slot,
    compute_timeslots,
)

ZONE = ZoneInfo("Europe/Copenhagen")
SPRING_FORWARD = date(2026, 3, 29)
FALL_BACK = date(2026, 10, 25)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
QUARTER = timedelta(minutes=15)
QUICK_CHECK = ServiceSpec(ServiceId("quick-check"), duration=QUARTER)
NIGHT_SHIFT = (OpeningInterval(time(0), time(6)),)
DAY_SHIFT = (OpeningInterval(time(7), time(17)),)


def every_day(intervals: tuple[OpeningInterval, ...]) -> OpeningHours:
    return OpeningHours("Europe/Copenhagen", weekly=dict.fromkeys(range(7), intervals))


def slots(
    hours: OpeningHours, day: date, service: ServiceSpec = QUICK_CHECK, last: date | None = None
) -> list[Timeslot]:
    query = SlotQuery(services=(service,), now=NOW)
    return compute_timeslots(hours, query, [], [], date_from=day, date_to=last or day)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def wall(slot: Timeslot) -> tuple[time, timedelta | None]:
    return slot.local_start.time(), slot.local_start.utcoffset()


def test_the_fixed_dates_are_the_clock_changes_after_now() -> None:
    def offsets(day: date) -> tuple[timedelta | None, timedelta | None]:
        def at_midnight(d: date) -> timedelta | None:
            return datetime.combine(d, time(), tzinfo=ZONE).utcoffset()

        return at_midnight(day), at_midnight(day + timedelta(days=1))

    assert NOW.date() < SPRING_FORWARD < FALL_BACK
    assert offsets(SPRING_FORWARD) == (timedelta(hours=1), timedelta(hours=2))
    assert offsets(FALL_BACK) == (timedelta(hours=2), timedelta(hours=1))


def test_spring_forward_night_has_one_slot_per_quarter_of_real_time() -> None:
    # when
    found = slots(every_day(NIGHT_SHIFT), SPRING_FORWARD)

    # then
    assert len(found) == 20  # 00:00-06:00 local is 5 hours of real time
    assert [slot.start for slot in found] == [
        utc(date(2026, 3, 28), 23) + QUARTER * step for step in range(20)
    ]


def test_spring_forward_night_offers_no_local_time_that_does_not_exist() -> None:
    # when
    found = slots(every_day(NIGHT_SHIFT), SPRING_FORWARD)

    # then
    assert all(slot.local_start.hour != 2 for slot in found)
    assert wall(found[7]) == (time(1, 45), timedelta(hours=1))
    assert wall(found[8]) == (time(3), timedelta(hours=2))
    assert found[8].start == utc(SPRING_FORWARD, 1)


def test_a_service_spanning_the_spring_forward_gap_lasts_its_real_duration() -> None:
    # given
    service = ServiceSpec(ServiceId("service"), duration=timedelta(hours=1), slot_interval=QUARTER)

    # when
    found = slots(every_day(NIGHT_SHIFT), SPRING_FORWARD, service)

    # then
    spanning = next(slot for slot in found if slot.local_start.time() == time(1, 30))
    assert (spanning.start, spanning.end) == (
        utc(SPRING_FORWARD, 0, 30),
        utc(SPRING_FORWARD, 1, 30),
    )
    assert spanning.local_end.time() == time(3, 30)
    assert spanning.local_end.utcoffset() == timedelta(hours=2)


def test_an_opening_time_inside_the_gap_opens_when_the_clock_jumps() -> None:
    # given
    hours = OpeningHours(
        "Europe/Copenhagen",
        weekly={},
        special_days={SPRING_FORWARD: (OpeningInterval(time(2, 30), time(5)),)},
    )

    # when
    found = slots(hours, SPRING_FORWARD)

    # then
    assert found[0].start == utc(SPRING_FORWARD, 1)
    assert wall(found[0]) == (time(3), timedelta(hours=2))
    assert len(found) == 8  # 03:00-05:00 CEST


def test_fall_back_night_has_one_slot_per_quarter_of_real_time() -> None:
    # when
    found = slots(every_day(NIGHT_SHIFT), FALL_BACK)

    # then
    assert len(found) == 28  # 00:00-06:00 local is 7 hours of real time
    assert [slot.start for slot in found] == [
        utc(date(2026, 10, 24), 22) + QUARTER * step for step in range(28)
    ]


def test_fall_back_night_offers_the_repeated_hour_twice_as_distinct_instants() -> None:
    # when
    found = slots(every_day(NIGHT_SHIFT), FALL_BACK)

    # then
    repeated = [slot for slot in found if slot.local_start.time() == time(2)]
    assert [slot.start for slot in repeated] == [utc(FALL_BACK, 0), utc(FALL_BACK, 1)]
    assert [slot.local_start.utcoffset() for slot in repeated] == [
        timedelta(hours=2),
        timedelta(hours=1),
    ]
    assert [slot.local_start.fold for slot in repeated] == [0, 1]
    assert len({slot.start for slot in found}) == len(found)


def test_a_closing_time_in_the_repeated_hour_is_its_first_occurrence() -> None:
    # given
    hours = every_day((OpeningInterval(time(0), time(2, 30)),))

    # when
    found = slots(hours, FALL_BACK)

    # then
    assert found[-1].end == utc(FALL_BACK, 0, 30)  # 02:30 CEST
    assert len(found) == 10


def test_regular_hours_keep_their_local_times_across_both_changes() -> None:
    # given
    hours = every_day(DAY_SHIFT)

    # when
    days = {day: slots(hours, day) for day in (SPRING_FORWARD, FALL_BACK)}

    # then
    assert [len(found) for found in days.values()] == [40, 40]
    assert days[SPRING_FORWARD][0].start == utc(SPRING_FORWARD, 5)  # 07:00 CEST
    assert days[FALL_BACK][0].start == utc(FALL_BACK, 6)  # 07:00 CET
    assert all(wall(found[0])[0] == time(7) for found in days.values())
    assert all(found[-1].local_end.time() == time(17) for found in days.values())


def test_a_week_across_a_change_loses_and_duplicates_nothing() -> None:
    # given
    monday = date(2026, 10, 19)

    # when
    found = slots(every_day(NIGHT_SHIFT), monday, last=FALL_BACK)

    # then
    assert len(found) == 6 * 24 + 28
    assert len({slot.start for slot in found}) == len(found)
    assert all(slot.end - slot.start == QUARTER for slot in found)


def test_check_slot_accepts_the_second_occurrence_of_a_repeated_time() -> None:
    # given
    second_two_oclock = datetime(2026, 10, 25, 2, fold=1, tzinfo=ZONE)
    query = SlotQuery(services=(QUICK_CHECK,), now=NOW)

    # when
    result = check_slot(every_day(NIGHT_SHIFT), query, [], [], second_two_oclock)

    # then
    assert isinstance(result, Timeslot)
    assert result.start == utc(FALL_BACK, 1)
    assert result.local_start.utcoffset() == timedelta(hours=1)

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking_gateway.domain.scheduling import (
    Busy,
    BusyKind,
    OpeningHours,
    OpeningInterval,
    ServiceId,
    ServiceSpec,
    SlotQuery,
    compute_timeslots,
)

ZONE = ZoneInfo("Europe/Copenhagen")
MONDAY = date(2026, 6, 1)
HOURS = OpeningHours(
    "Europe/Copenhagen", weekly={MONDAY.weekday(): (OpeningInterval(time(8), time(12)),)}
)
SERVICE = ServiceSpec(ServiceId("oil"), duration=timedelta(hours=1))


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=ZONE)


def hold(expires_at: datetime) -> Busy:
    return Busy(at(9), at(10), service_id=SERVICE.id, kind=BusyKind.HOLD, expires_at=expires_at)


def starts(
    busy: list[Busy],
    *,
    now: datetime,
    min_notice: timedelta = timedelta(0),
    horizon: timedelta | None = None,
) -> list[datetime]:
    query = SlotQuery(services=(SERVICE,), now=now, min_notice=min_notice, horizon=horizon)
    found = compute_timeslots(HOURS, query, [], busy, date_from=MONDAY, date_to=MONDAY)
    return [slot.local_start for slot in found]


def test_an_existing_booking_blocks_its_slot() -> None:
    # given
    booking = Busy(at(9), at(10), service_id=SERVICE.id)

    # when
    found = starts([booking], now=at(6))

    # then
    assert at(9) not in found


def test_a_live_hold_blocks_its_slot() -> None:
    # given
    now = at(6)
    live = hold(expires_at=now + timedelta(minutes=15))

    # when
    found = starts([live], now=now)

    # then
    assert at(9) not in found


def test_an_expired_hold_does_not_block() -> None:
    # given
    now = at(6)
    expired = hold(expires_at=now - timedelta(minutes=1))

    # when
    found = starts([expired], now=now)

    # then
    assert at(9) in found


def test_a_hold_stops_blocking_exactly_when_it_expires() -> None:
    # given
    now = at(6)
    expiring = hold(expires_at=now)

    # when
    found = starts([expiring], now=now)

    # then
    assert at(9) in found


def test_a_hold_still_blocks_a_microsecond_before_it_expires() -> None:
    # given
    now = at(6)
    expiring = hold(expires_at=now + timedelta(microseconds=1))

    # when
    found = starts([expiring], now=now)

    # then
    assert at(9) not in found


def test_starts_earlier_than_the_minimum_notice_are_not_offered() -> None:
    # given
    now = at(7, 50)

    # when
    found = starts([], now=now, min_notice=timedelta(hours=1))

    # then
    assert found[0] == at(9)  # 08:50 is the earliest; the next grid start is 09:00


def test_a_start_exactly_at_the_minimum_notice_is_offered() -> None:
    # given
    now = at(8)

    # when
    found = starts([], now=now, min_notice=timedelta(minutes=30))

    # then
    assert found[0] == at(8, 30)


def test_starts_in_the_past_are_not_offered() -> None:
    # given
    now = at(10, 5)

    # when
    found = starts([], now=now)

    # then
    assert found == [at(10, 15), at(10, 30), at(10, 45), at(11)]


def test_starts_beyond_the_booking_horizon_are_not_offered() -> None:
    # given
    now = at(6)

    # when
    found = starts([], now=now, horizon=timedelta(hours=3))

    # then
    assert found[-1] == at(9)  # 06:00 + 3 h; a start at the horizon itself is allowed

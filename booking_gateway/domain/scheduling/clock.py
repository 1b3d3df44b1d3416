"""Local wall-clock times to UTC instants, with the daylight-saving rules of the package."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking_gateway.domain.scheduling.model import OpeningHours

Window = tuple[datetime, datetime]


def wall_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant the workshop's clock first reads ``wall`` on ``day``.

    A repeated wall time (fall back) is its first occurrence (``fold=0``); a wall time that is
    skipped (spring forward) is the instant of the jump, when the clock first reads past it.
    """
    local = datetime.combine(day, wall, tzinfo=zone)
    utc = local.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return utc
    return _transition(local.replace(fold=1).astimezone(UTC), utc, zone)


def _transition(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    # ``before`` is still on the old offset and ``after`` on the new one: bisect to the second.
    new_offset = after.astimezone(zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == new_offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def opening_windows(hours: OpeningHours, day: date) -> list[Window]:
    """The opening intervals of one local date as UTC ``[open, close)`` instants, in order."""
    zone = hours.zone
    windows = []
    for interval in hours.intervals_on(day):
        opens = wall_to_utc(day, interval.start, zone)
        closes = wall_to_utc(day, interval.end, zone)
        if opens < closes:  # an interval lying wholly in a skipped hour does not exist
            windows.append((opens, closes))
    return windows


def local_days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]

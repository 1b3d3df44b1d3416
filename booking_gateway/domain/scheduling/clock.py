"""Local wall-clock times to UTC instants, with the daylight-saving rules of the package."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from booking_gateway.domain.scheduling.model import OpeningHours

Window = tuple[datetime, datetime]


def wall_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant the workshop's clock first reads ``wall`` on ``day``.

    A repeated wall time (fall back) is its first occurrence (``fold=0``); a wall time that is
    skipped (spring forward) is the instant of the jump, when the clock first reads past it.
    """
    local = datetime.combine(day, wall, zone)
    # With fold=0 the offset is a repeated time's first one, a skipped time's from before the
    # jump. ``instant`` is then the UTC wall time (see ``zone_tagged``); turned back into local
    # time it reads ``wall`` unless ``wall`` is skipped (one tzinfo: ``==`` compares fields).
    instant = local - (local.utcoffset() or timedelta(0))
    if zone.fromutc(instant) == local:
        return _UTC_EPOCH + (instant - _epoch(zone))
    utc = local.astimezone(UTC)
    return _transition(local.replace(fold=1).astimezone(UTC), utc, zone)


def local_time(zone: ZoneInfo) -> Callable[[datetime], datetime]:
    """``instant.astimezone(zone)``, about twice as fast (for many instants)."""
    fromutc = zone.fromutc

    def local(instant: datetime) -> datetime:
        return fromutc(zone_tagged(instant, zone))

    return local


def zone_tagged(instant: datetime, zone: ZoneInfo) -> datetime:
    """``instant``'s UTC wall time tagged with ``zone``: what ``astimezone(zone)`` hands to
    ``zone.fromutc``, which turns it into the local time. Adding a timedelta to it keeps it
    one (it is wall-time arithmetic on UTC, which has no jumps)."""
    return _epoch(zone) + (instant - _UTC_EPOCH)


_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=64)
def _epoch(zone: ZoneInfo) -> datetime:
    """1970-01-01 00:00 as a wall time tagged with ``zone`` (for UTC wall-time arithmetic)."""
    return datetime(1970, 1, 1, tzinfo=zone)


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

"""Inputs and outputs of the scheduling core. Every datetime is aware and normalised to UTC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import NewType
from zoneinfo import ZoneInfo

ServiceId = NewType("ServiceId", str)
ResourceId = NewType("ResourceId", str)

ZERO = timedelta(0)


class BusyKind(StrEnum):
    BOOKING = "BOOKING"
    HOLD = "HOLD"


class Placement(StrEnum):
    SEQUENTIAL = "SEQUENTIAL"
    PARALLEL = "PARALLEL"


class UnavailableReason(StrEnum):
    CLOSED = "CLOSED"
    CAPACITY = "CAPACITY"
    RESOURCE_BUSY = "RESOURCE_BUSY"
    TOO_SOON = "TOO_SOON"
    TOO_FAR_AHEAD = "TOO_FAR_AHEAD"
    HELD = "HELD"


def as_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class OpeningInterval:
    """Local wall-clock times on one day; ``start < end`` (no interval crosses midnight)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("opening times are local wall-clock times without tzinfo")
        if self.start >= self.end:
            raise ValueError("an opening interval must end after it starts")


def _check_day(intervals: tuple[OpeningInterval, ...], label: str) -> None:
    for before, after in pairwise(intervals):
        if after.start < before.end:
            raise ValueError(f"opening intervals of {label} must be in order and not overlap")


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Weekly hours keyed by ``date.weekday()`` (Monday is 0; a missing day is closed).

    A special day replaces the weekly hours of that local date; an empty tuple closes it.
    """

    time_zone: str
    weekly: Mapping[int, tuple[OpeningInterval, ...]]
    special_days: Mapping[date, tuple[OpeningInterval, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ZoneInfo(self.time_zone)  # raises ZoneInfoNotFoundError for an unknown IANA name
        for weekday, intervals in self.weekly.items():
            if not 0 <= weekday <= 6:
                raise ValueError("weekly hours are keyed by weekday 0 (Monday) to 6 (Sunday)")
            _check_day(intervals, f"weekday {weekday}")
        for day, intervals in self.special_days.items():
            _check_day(intervals, day.isoformat())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # ZoneInfo caches instances per key

    def intervals_on(self, day: date) -> tuple[OpeningInterval, ...]:
        special = self.special_days.get(day)
        if special is not None:
            return special
        return self.weekly.get(day.weekday(), ())


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """``capacity`` is the most spots booked concurrently (maxNumberOfReservations).

    Each booking needs one free resource of every listed type, whatever its number of spots;
    list a type twice to need two resources of it.
    """

    id: ServiceId
    duration: timedelta
    capacity: int = 1
    buffer_before: timedelta = ZERO
    buffer_after: timedelta = ZERO
    slot_interval: timedelta = timedelta(minutes=15)
    required_resource_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.duration <= ZERO:
            raise ValueError("duration must be positive")
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")
        if self.buffer_before < ZERO or self.buffer_after < ZERO:
            raise ValueError("buffers cannot be negative")
        if self.slot_interval <= ZERO:
            raise ValueError("slot_interval must be positive")


@dataclass(frozen=True, slots=True)
class Resource:
    id: ResourceId
    type: str


@dataclass(frozen=True, slots=True)
class Busy:
    """An existing booking line or a reservation hold.

    ``start``/``end`` is the blocked interval, buffers included (store
    ``AllocatedService.blocked_start``/``blocked_end``). A line stops blocking at
    ``expires_at``, which every hold has.
    A line without ``service_id`` blocks its resources only (e.g. a resource's day off).
    """

    start: datetime
    end: datetime
    resource_ids: tuple[ResourceId, ...] = ()
    service_id: ServiceId | None = None
    spots: int = 1
    kind: BusyKind = BusyKind.BOOKING
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start, "Busy.start"))
        object.__setattr__(self, "end", as_utc(self.end, "Busy.end"))
        if self.start >= self.end:
            raise ValueError("Busy.end must be after Busy.start")
        if self.spots < 0:
            raise ValueError("Busy.spots cannot be negative")
        if self.expires_at is not None:
            object.__setattr__(self, "expires_at", as_utc(self.expires_at, "Busy.expires_at"))
        elif self.kind is BusyKind.HOLD:
            raise ValueError("a hold needs expires_at")

    def blocks_at(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """What the customer asks for, and the booking policy that applies to them.

    ``services`` are placed in the given order, back to back (``SEQUENTIAL``) or all starting
    together (``PARALLEL``). The first service's ``slot_interval`` sets the start-time grid.
    """

    services: tuple[ServiceSpec, ...]
    now: datetime
    spots: int = 1
    requested_resource_id: ResourceId | None = None
    # Further chosen resources (BokaMera: one per resource type); each replaces its type's
    # candidates, like ``requested_resource_id``.
    requested_resource_ids: tuple[ResourceId, ...] = ()
    min_notice: timedelta = ZERO
    horizon: timedelta | None = None
    placement: Placement = Placement.SEQUENTIAL

    def __post_init__(self) -> None:
        object.__setattr__(self, "now", as_utc(self.now, "SlotQuery.now"))
        if not self.services:
            raise ValueError("at least one service is needed")
        if len({service.id for service in self.services}) != len(self.services):
            raise ValueError("a service can appear only once in a combination")
        if self.spots < 1:
            raise ValueError("spots must be at least 1")
        if self.min_notice < ZERO or (self.horizon is not None and self.horizon < ZERO):
            raise ValueError("min_notice and horizon cannot be negative")


@dataclass(frozen=True, slots=True)
class AllocatedService:
    """One service of a visit: the customer's ``start``/``end`` and what it blocks."""

    service_id: ServiceId
    start: datetime
    end: datetime
    blocked_start: datetime
    blocked_end: datetime
    resource_ids: tuple[ResourceId, ...]


@dataclass(frozen=True, slots=True)
class Timeslot:
    """A start that fits, with the allocation its visit gets.

    ``available_spots``: the spots that visits like this one can still book at this start, one
    after another (a multiple of the query's ``spots``; see the package's rules).
    """

    start: datetime
    end: datetime
    local_start: datetime
    local_end: datetime
    available_spots: int
    allocation: tuple[AllocatedService, ...]


@dataclass(frozen=True, slots=True)
class Unavailable:
    reason: UnavailableReason
    service_id: ServiceId | None = None  # the service that was blocked, when one was

"""The scheduler as it was before it swept busy lines with bitmasks: the reference that
tests/unit/scheduling/test_matches_reference.py holds the fast one to.

Kept as it was (interval lists and binary searches per resource and per start, plain
``datetime`` conversions): slow, simple, and already proven by the property tests. Do not
optimise it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking_gateway.domain.scheduling.model import (
    ZERO,
    AllocatedService,
    Busy,
    BusyKind,
    OpeningHours,
    Placement,
    Resource,
    ResourceId,
    ServiceId,
    ServiceSpec,
    SlotQuery,
    Timeslot,
    Unavailable,
    UnavailableReason,
    as_utc,
)

# clock.py

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


# occupancy.py


class _Intervals:
    """Disjoint, sorted ``[start, end)`` intervals: the union of one resource's busy time."""

    __slots__ = ("ends", "starts")

    def __init__(self, intervals: list[tuple[datetime, datetime]]) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        for start, end in sorted(intervals):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def is_free(self, start: datetime, end: datetime) -> bool:
        first_ending_after = bisect_right(self.ends, start)
        return first_ending_after == len(self.starts) or self.starts[first_ending_after] >= end


class _Load:
    """Spots of one service in use as a step function: ``levels[k]`` holds from ``times[k]``."""

    __slots__ = ("levels", "times")

    def __init__(self, events: list[tuple[datetime, int]]) -> None:
        self.times: list[datetime] = []
        self.levels: list[int] = []
        level = 0
        for moment, delta in sorted(events):
            level += delta
            if self.times and self.times[-1] == moment:
                self.levels[-1] = level
            else:
                self.times.append(moment)
                self.levels.append(level)

    def peak(self, start: datetime, end: datetime) -> int:
        index = bisect_right(self.times, start) - 1
        peak = self.levels[index] if index >= 0 else 0
        index += 1
        while index < len(self.times) and self.times[index] < end:
            peak = max(peak, self.levels[index])
            index += 1
        return peak


_ALWAYS_FREE = _Intervals([])
_NO_LOAD = _Load([])


class Occupancy:
    """Busy lines that block at ``now``: those without ``expires_at`` or expiring later."""

    __slots__ = ("_loads", "_resources", "has_holds")

    def __init__(self, busy: Iterable[Busy], now: datetime, *, include_holds: bool = True) -> None:
        by_resource: dict[ResourceId, list[tuple[datetime, datetime]]] = {}
        by_service: dict[ServiceId, list[tuple[datetime, int]]] = {}
        self.has_holds = False
        for line in busy:
            if not line.blocks_at(now):
                continue
            if line.kind is BusyKind.HOLD:
                self.has_holds = True
                if not include_holds:
                    continue
            for resource_id in line.resource_ids:
                by_resource.setdefault(resource_id, []).append((line.start, line.end))
            if line.service_id is not None and line.spots:
                events = by_service.setdefault(line.service_id, [])
                events.append((line.start, line.spots))
                events.append((line.end, -line.spots))
        self._resources = {key: _Intervals(value) for key, value in by_resource.items()}
        self._loads = {key: _Load(value) for key, value in by_service.items()}

    def is_free(self, resource_id: ResourceId, start: datetime, end: datetime) -> bool:
        return self._resources.get(resource_id, _ALWAYS_FREE).is_free(start, end)

    def count_free(
        self, resource_ids: Iterable[ResourceId], start: datetime, end: datetime, enough: int
    ) -> int:
        """How many of ``resource_ids`` are free over ``[start, end)``, counting up to
        ``enough``."""
        free = 0
        resources = self._resources
        for resource_id in resource_ids:
            busy = resources.get(resource_id)
            if busy is None or busy.is_free(start, end):
                free += 1
                if free == enough:
                    break
        return free

    def spots_in_use(self, service_id: ServiceId, start: datetime, end: datetime) -> int:
        return self._loads.get(service_id, _NO_LOAD).peak(start, end)


# engine.py

_Fit = tuple[tuple[AllocatedService, ...], int]  # the allocation and its available spots


@dataclass(frozen=True, slots=True)
class _Part:
    service: ServiceSpec
    offset: timedelta  # from the visit's start


@dataclass(frozen=True, slots=True)
class _Plan:
    parts: tuple[_Part, ...]
    length: timedelta
    reach: tuple[timedelta, timedelta]  # what a visit blocks, buffers included, from its start
    candidates: dict[str, tuple[ResourceId, ...]]  # per resource type, in order of preference
    spots: int
    uses_resources: bool
    needs: dict[str, int]  # resources of each type one visit of a single service takes


def _plan(query: SlotQuery, resources: Iterable[Resource]) -> _Plan:
    parts: list[_Part] = []
    offset = ZERO
    for service in query.services:
        parts.append(_Part(service, offset))
        if query.placement is Placement.SEQUENTIAL:
            offset += service.duration
    length = max(part.offset + part.service.duration for part in parts)
    reach = (
        min(part.offset - part.service.buffer_before for part in parts),
        max(part.offset + part.service.duration + part.service.buffer_after for part in parts),
    )

    by_type: dict[str, list[ResourceId]] = {}
    known: dict[ResourceId, str] = {}
    for resource in resources:
        by_type.setdefault(resource.type, []).append(resource.id)
        known[resource.id] = resource.type
    candidates = {key: tuple(sorted(ids)) for key, ids in by_type.items()}
    requested = query.requested_resource_id
    if requested is not None:
        if requested not in known:
            raise ValueError(f"unknown requested resource {requested!r}")
        needed = {kind for s in query.services for kind in s.required_resource_types}
        if known[requested] not in needed:
            raise ValueError(f"no service in the query needs a resource like {requested!r}")
        candidates[known[requested]] = (requested,)
    uses_resources = any(part.service.required_resource_types for part in parts)
    needs = Counter(parts[0].service.required_resource_types)
    return _Plan(tuple(parts), length, reach, candidates, query.spots, uses_resources, dict(needs))


def _allocate(
    plan: _Plan, occupancy: Occupancy, start: datetime, earlier: Sequence[AllocatedService] = ()
) -> _Fit | Unavailable:
    """One visit at ``start`` and the fewest spots left free along it (its own included).

    ``earlier`` holds the lines of visits already placed at this same start (see ``_fit``):
    they use spots and block resources exactly as their booked lines will.
    """
    allocation: list[AllocatedService] = []
    available = plan.parts[0].service.capacity
    visits_before = len(earlier) // len(plan.parts)
    for part in plan.parts:
        service = part.service
        begins = start + part.offset
        ends = begins + service.duration
        blocked_start = begins - service.buffer_before
        blocked_end = ends + service.buffer_after

        in_use = occupancy.spots_in_use(service.id, blocked_start, blocked_end)
        free_spots = service.capacity - in_use - visits_before * plan.spots
        if free_spots < plan.spots:
            return Unavailable(UnavailableReason.CAPACITY, service.id)
        available = min(available, free_spots)

        chosen: list[ResourceId] = []
        for resource_type in service.required_resource_types:
            for resource_id in plan.candidates.get(resource_type, ()):
                if resource_id in chosen or _used_in_visit(allocation, resource_id, begins, ends):
                    continue
                if occupancy.is_free(resource_id, blocked_start, blocked_end) and not (
                    earlier and _blocked_by(earlier, resource_id, blocked_start, blocked_end)
                ):
                    chosen.append(resource_id)
                    break
            else:
                return Unavailable(UnavailableReason.RESOURCE_BUSY, service.id)
        allocation.append(
            AllocatedService(service.id, begins, ends, blocked_start, blocked_end, tuple(chosen))
        )
    return tuple(allocation), available


def _fit(plan: _Plan, occupancy: Occupancy, start: datetime) -> _Fit | Unavailable:
    """The visit's allocation at ``start`` and its available spots: what visits like it can
    still book there, one after another, each placed as ``check_slot`` would place it after
    the ones before (so booking them all succeeds and one more does not)."""
    outcome = _allocate(plan, occupancy, start)
    if isinstance(outcome, Unavailable):
        return outcome
    allocation, free_spots = outcome
    room = free_spots // plan.spots  # the visits that capacity alone admits
    if room <= 1 or not plan.uses_resources:
        return allocation, room * plan.spots
    if len(plan.parts) == 1:
        visits = _resource_sets(plan, occupancy, allocation[0], room)
    else:
        visits = _visits_one_after_another(plan, occupancy, start, allocation, room)
    return allocation, visits * plan.spots


def _resource_sets(plan: _Plan, occupancy: Occupancy, line: AllocatedService, room: int) -> int:
    """Visits of one service at one start, at most ``room``: each takes its own resources of
    every required type, all free over the same blocked interval, so the count of free
    resources of each type decides (what placing them one by one would find, faster)."""
    visits = room
    for resource_type, needed in plan.needs.items():
        free = occupancy.count_free(
            plan.candidates.get(resource_type, ()),
            line.blocked_start,
            line.blocked_end,
            enough=visits * needed,
        )
        visits = min(visits, free // needed)
    return visits


def _visits_one_after_another(
    plan: _Plan,
    occupancy: Occupancy,
    start: datetime,
    allocation: tuple[AllocatedService, ...],
    room: int,
) -> int:
    """Visits of several services at one start, at most ``room``, placed one by one."""
    earlier = list(allocation)
    visits = 1
    while visits < room:
        further = _allocate(plan, occupancy, start, earlier)
        if isinstance(further, Unavailable):
            break
        earlier.extend(further[0])
        visits += 1
    return visits


def _blocked_by(
    lines: Sequence[AllocatedService], resource_id: ResourceId, start: datetime, end: datetime
) -> bool:
    """Whether other visits' ``lines`` hold ``resource_id`` during ``[start, end)``."""
    return any(
        resource_id in line.resource_ids and line.blocked_start < end and start < line.blocked_end
        for line in lines
    )


def _used_in_visit(
    allocation: list[AllocatedService], resource_id: ResourceId, start: datetime, end: datetime
) -> bool:
    # Buffers separate a visit from other bookings only: the same car may stay on the same
    # lift from one service to the next, so only overlapping service times conflict.
    return any(
        resource_id in part.resource_ids and part.start < end and start < part.end
        for part in allocation
    )


def _timeslot(zone: ZoneInfo, start: datetime, end: datetime, outcome: _Fit) -> Timeslot:
    allocation, available = outcome
    return Timeslot(start, end, start.astimezone(zone), end.astimezone(zone), available, allocation)


def compute_timeslots(
    hours: OpeningHours,
    query: SlotQuery,
    resources: Iterable[Resource],
    busy: Iterable[Busy],
    *,
    date_from: date,
    date_to: date,
) -> list[Timeslot]:
    """Every start on the grid of ``date_from``..``date_to`` (local, inclusive) that fits."""
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    plan = _plan(query, resources)
    occupancy = Occupancy(busy, query.now)
    zone = hours.zone
    step = query.services[0].slot_interval
    earliest = query.now + query.min_notice
    latest = None if query.horizon is None else query.now + query.horizon

    slots: list[Timeslot] = []
    for day in local_days(date_from, date_to):
        for opens, closes in opening_windows(hours, day):
            start = opens
            if start < earliest:
                start += -((opens - earliest) // step) * step  # first grid start not too soon
            while start + plan.length <= closes:
                if latest is not None and start > latest:
                    return slots
                outcome = _fit(plan, occupancy, start)
                if not isinstance(outcome, Unavailable):
                    slots.append(_timeslot(zone, start, start + plan.length, outcome))
                start += step
    return slots


def check_slot(
    hours: OpeningHours,
    query: SlotQuery,
    resources: Iterable[Resource],
    busy: Iterable[Busy],
    start: datetime,
    *,
    ignore_opening_hours: bool = False,
) -> Timeslot | Unavailable:
    """Re-check one start inside the write transaction (the start need not be on the grid).

    Rules are checked in this order: notice, horizon, opening hours, then capacity and
    resources service by service. ``HELD`` means only live holds block the visit. Leave the
    hold being confirmed out of ``busy``, or it blocks its own booking.
    """
    start = as_utc(start, "start")
    plan = _plan(query, resources)
    if start < query.now + query.min_notice:
        return Unavailable(UnavailableReason.TOO_SOON)
    if query.horizon is not None and start > query.now + query.horizon:
        return Unavailable(UnavailableReason.TOO_FAR_AHEAD)
    end = start + plan.length
    if not ignore_opening_hours and not _is_open(hours, start, end):
        return Unavailable(UnavailableReason.CLOSED)

    # Only lines touching this visit matter: index those, not the whole calendar.
    lowest, highest = start + plan.reach[0], start + plan.reach[1]
    lines = [line for line in busy if line.start < highest and lowest < line.end]
    occupancy = Occupancy(lines, query.now)
    outcome = _fit(plan, occupancy, start)
    if isinstance(outcome, Unavailable) and occupancy.has_holds:
        without_holds = _allocate(plan, Occupancy(lines, query.now, include_holds=False), start)
        if isinstance(without_holds, Unavailable):
            return without_holds
        return Unavailable(UnavailableReason.HELD, outcome.service_id)
    if isinstance(outcome, Unavailable):
        return outcome
    return _timeslot(hours.zone, start, end, outcome)


def _is_open(hours: OpeningHours, start: datetime, end: datetime) -> bool:
    day = start.astimezone(hours.zone).date()
    return any(opens <= start and end <= closes for opens, closes in opening_windows(hours, day))

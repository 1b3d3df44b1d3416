"""Timeslot listing and the re-check of one chosen start, sharing one allocation routine.

Both first read what is busy for all the starts they look at at once (``Occupancy.scan``: per
start and part of the visit, the busy resources as a bitmask and the spots of the lines it
overlaps), then decide each start with a few integer operations, with no search per start and
resource. Resources are flag bits in order of id (``occupancy.Resources``): the lowest set bit
of a mask is the lowest free id, the one the rules choose, and ``int.bit_count`` counts the
free ones. Each day's opening hours become UTC windows once (``clock.opening_windows``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from operator import lt
from typing import Any
from zoneinfo import ZoneInfo

from booking_gateway.domain.scheduling.clock import (
    local_days,
    local_time,
    opening_windows,
    zone_tagged,
)
from booking_gateway.domain.scheduling.model import (
    ZERO,
    AllocatedService,
    Busy,
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
from booking_gateway.domain.scheduling.occupancy import Occupancy, Resources

_Chosen = tuple[tuple[int, ...], ...]  # per part, the flag of each resource taken, in order
_Fit = tuple[_Chosen, int]  # the allocation and its available spots


@dataclass(frozen=True, slots=True)
class _Part:
    service: ServiceSpec
    offset: timedelta  # from the visit's start
    lead: timedelta  # what it blocks, buffers included: [start + lead, start + tail)
    tail: timedelta
    needs: tuple[int, ...]  # per required resource type, in order: the flags of its candidates
    meets: tuple[int, ...]  # earlier parts whose service time overlaps this part's
    touches: tuple[int, ...]  # parts whose blocked window overlaps this part's (itself too)
    full: Unavailable  # the refusals naming this part's service (immutable: shared)
    busy: Unavailable


@dataclass(frozen=True, slots=True)
class _Plan:
    parts: tuple[_Part, ...]
    length: timedelta
    reach: tuple[timedelta, timedelta]  # what a visit blocks, buffers included, from its start
    services: frozenset[ServiceId]
    resources: Resources  # those some part may take, in order of preference
    spots: int
    uses_resources: bool
    # For the first part, per resource type it needs: its candidates (the flags of those
    # listed at least once, at least twice, ...) and how many of them one visit takes.
    counts: tuple[tuple[tuple[int, ...], int], ...]


def _plan(query: SlotQuery, resources: Iterable[Resource], lines: int) -> _Plan:
    """The visit's parts and resource candidates; ``lines`` (the busy lines to index) sizes
    the resource counters."""
    by_type: dict[str, list[ResourceId]] = {}
    known: dict[ResourceId, str] = {}
    for resource in resources:
        by_type.setdefault(resource.type, []).append(resource.id)
        known[resource.id] = resource.type
    candidates = dict(by_type)
    chosen = [query.requested_resource_id] if query.requested_resource_id is not None else []
    needed = {kind for s in query.services for kind in s.required_resource_types}
    taken: set[str] = set()
    for requested in dict.fromkeys([*chosen, *query.requested_resource_ids]):
        if requested not in known:
            raise ValueError(f"unknown requested resource {requested!r}")
        if known[requested] not in needed:
            raise ValueError(f"no service in the query needs a resource like {requested!r}")
        if known[requested] in taken:
            raise ValueError(f"two requested resources of type {known[requested]!r}")
        taken.add(known[requested])
        candidates[known[requested]] = [requested]
    kinds = {kind for s in query.services for kind in s.required_resource_types}
    watched = {rid for kind in kinds for rid in candidates.get(kind, ())}
    pool = Resources(sorted(watched), lines)  # sorted: the lowest flag is the lowest id
    # A resource listed twice under a type counts twice when free resources are counted, as
    # it always has (each listing was a candidate of its own).
    flags = {kind: _multiplicity(candidates.get(kind, []), pool) for kind in kinds}

    offsets: list[timedelta] = []
    offset = ZERO
    for service in query.services:
        offsets.append(offset)
        if query.placement is Placement.SEQUENTIAL:
            offset += service.duration
    spans = [(o, o + s.duration) for o, s in zip(offsets, query.services, strict=True)]
    windows = [
        (o - s.buffer_before, o + s.duration + s.buffer_after)
        for o, s in zip(offsets, query.services, strict=True)
    ]
    parts = tuple(
        _Part(
            service,
            offsets[p],
            windows[p][0],
            windows[p][1],
            tuple(flags[kind][0] for kind in service.required_resource_types),
            tuple(q for q in range(p) if _overlap(spans[q], spans[p])),
            tuple(q for q in range(len(windows)) if _overlap(windows[q], windows[p])),
            Unavailable(UnavailableReason.CAPACITY, service.id),
            Unavailable(UnavailableReason.RESOURCE_BUSY, service.id),
        )
        for p, service in enumerate(query.services)
    )
    return _Plan(
        parts,
        max(end for _, end in spans),
        (min(lead for lead, _ in windows), max(tail for _, tail in windows)),
        frozenset(service.id for service in query.services),
        pool,
        query.spots,
        any(part.needs for part in parts),
        tuple(
            (flags[kind], n)
            for kind, n in Counter(query.services[0].required_resource_types).items()
        ),
    )


def _multiplicity(listed: list[ResourceId], pool: Resources) -> tuple[int, ...]:
    """The flags of the resources ``listed`` at least once, at least twice, ... (``(0,)``
    for none)."""
    once = 0
    again: list[ResourceId] = []
    for resource_id in listed:
        flag = pool.flag[resource_id]
        if once & flag:
            again.append(resource_id)
        else:
            once |= flag
    return (once, *_multiplicity(again, pool)) if again else (once,)


def _overlap(one: tuple[timedelta, timedelta], other: tuple[timedelta, timedelta]) -> bool:
    return one[0] < other[1] and other[0] < one[1]


class _Table:
    """What each part of the visit finds at each of the sorted ``starts``: the spots of its
    service in use and the flags of the resources busy during its blocked window."""

    __slots__ = ("_occupancy", "_peaks", "_plan", "_starts", "taken", "upper")

    def __init__(self, plan: _Plan, occupancy: Occupancy, starts: Sequence[datetime]) -> None:
        self._plan, self._occupancy, self._starts = plan, occupancy, starts
        self.upper: list[list[int]] = []  # per part and start: in_use() is at most this
        self.taken: list[list[int]] = []
        for part in plan.parts:
            pool = plan.resources if part.needs else None
            upper, taken = occupancy.scan(starts, part.service.id, pool, part.lead, part.tail)
            self.upper.append(upper)
            self.taken.append(taken)
        self._peaks: list[dict[int, int]] = [{} for _ in plan.parts]

    def in_use(self, p: int, at: int) -> int:
        """The peak of spots of part ``p``'s service in use during its window at start number
        ``at`` (worked out where asked: most starts never need it, see
        ``_one_service_slots``)."""
        if not self.upper[p][at]:
            return 0
        peaks = self._peaks[p]
        peak = peaks.get(at)
        if peak is None:
            part, start = self._plan.parts[p], self._starts[at]
            service_id = part.service.id
            peak = self._occupancy.peak(service_id, start + part.lead, start + part.tail)
            peaks[at] = peak
        return peak


def _allocate(
    plan: _Plan,
    table: _Table,
    at: int,
    visits_before: int = 0,
    earlier: Sequence[int] = (),
) -> _Fit | Unavailable:
    """One visit at start number ``at`` and the fewest spots left free along it (its own
    included).

    ``visits_before`` visits like it are already placed at this same start (see ``_fit``);
    ``earlier[p]`` holds the resources they block during part ``p``'s window.
    """
    chosen: list[tuple[int, ...]] = []
    available = plan.parts[0].service.capacity
    for p, part in enumerate(plan.parts):
        free_spots = part.service.capacity - table.in_use(p, at) - visits_before * plan.spots
        if free_spots < plan.spots:
            return part.full
        available = min(available, free_spots)

        if not part.needs:
            chosen.append(())
            continue
        # Busy elsewhere, busy for earlier visits placed here, or serving an overlapping part of
        # this visit (buffers separate a visit from other bookings only: the same car may stay
        # on the same lift from one service to the next).
        unusable = table.taken[p][at]
        if earlier:
            unusable |= earlier[p]
        for q in part.meets:
            for flag in chosen[q]:
                unusable |= flag
        picked: list[int] = []
        for candidates in part.needs:
            free = candidates & ~unusable
            if not free:
                return part.busy
            lowest = free & -free  # the lowest id
            picked.append(lowest)
            unusable |= lowest
        chosen.append(tuple(picked))
    return tuple(chosen), available


def _fit(plan: _Plan, table: _Table, at: int) -> _Fit | Unavailable:
    """The visit's allocation at start number ``at`` and its available spots: what visits like
    it can still book there, one after another, each placed as ``check_slot`` would place it
    after the ones before (so booking them all succeeds and one more does not)."""
    outcome = _allocate(plan, table, at)
    if isinstance(outcome, Unavailable):
        return outcome
    allocation, free_spots = outcome
    room = free_spots // plan.spots  # the visits that capacity alone admits
    if room <= 1 or not plan.uses_resources:
        return allocation, room * plan.spots
    if len(plan.parts) == 1:
        visits = min(room, _resource_sets(plan, table.taken[0][at]))
    else:
        visits = _visits_one_after_another(plan, table, at, allocation, room)
    return allocation, visits * plan.spots


def _resource_sets(plan: _Plan, taken: int) -> int:
    """How many visits of one service could take resources at one start: each takes its own
    resources of every required type, all free over the same blocked interval, so the count
    of free resources of each type decides (what placing them one by one would find, faster).
    At least 1 where one visit found its resources."""
    return min(
        (
            sum((level & ~taken).bit_count() for level in levels) // needed
            for levels, needed in plan.counts
        ),
        default=1,
    )


def _visits_one_after_another(
    plan: _Plan, table: _Table, at: int, allocation: _Chosen, room: int
) -> int:
    """Visits of several services at one start, at most ``room``, placed one by one."""
    earlier = [0] * len(plan.parts)
    visits = 1
    placed = allocation
    while True:
        # What the visits placed so far block during each part: the resources of every part
        # whose blocked window overlaps it (the same for every visit at this start).
        for p, part in enumerate(plan.parts):
            for q in part.touches:
                for flag in placed[q]:
                    earlier[p] |= flag
        if visits >= room:
            return visits
        further = _allocate(plan, table, at, visits, earlier)
        if isinstance(further, Unavailable):
            return visits
        placed = further[0]
        visits += 1


def _timeslot(
    plan: _Plan, zone: ZoneInfo, start: datetime, end: datetime, outcome: _Fit
) -> Timeslot:
    chosen, available = outcome
    name = plan.resources.name
    allocation = []
    for part, flags in zip(plan.parts, chosen, strict=True):
        service = part.service
        begins = start + part.offset
        ends = begins + service.duration
        allocation.append(
            _allocated_service(
                service.id,
                begins,
                ends,
                begins - service.buffer_before,
                ends + service.buffer_after,
                tuple(map(name.__getitem__, flags)),
            )
        )
    local = local_time(zone)
    return _new_timeslot(start, end, local(start), local(end), available, tuple(allocation))


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    setter: Callable[[Any, Any], None] = vars(cls)[name].__set__
    return setter


# Timeslots and their lines are built by the hundred per listing. A frozen dataclass' __init__
# sets each field through object.__setattr__; these two build the very same objects (neither
# class has a __post_init__) by writing the slots directly, in about half the time.
_SET_LINE = tuple(_slot_setter(AllocatedService, field.name) for field in fields(AllocatedService))
_SET_SLOT = tuple(_slot_setter(Timeslot, field.name) for field in fields(Timeslot))


def _allocated_service(
    service_id: ServiceId,
    start: datetime,
    end: datetime,
    blocked_start: datetime,
    blocked_end: datetime,
    resource_ids: tuple[ResourceId, ...],
) -> AllocatedService:
    line: AllocatedService = object.__new__(AllocatedService)
    set_id, set_start, set_end, set_blocked_start, set_blocked_end, set_resources = _SET_LINE
    set_id(line, service_id)
    set_start(line, start)
    set_end(line, end)
    set_blocked_start(line, blocked_start)
    set_blocked_end(line, blocked_end)
    set_resources(line, resource_ids)
    return line


def _new_timeslot(
    start: datetime,
    end: datetime,
    local_start: datetime,
    local_end: datetime,
    available_spots: int,
    allocation: tuple[AllocatedService, ...],
) -> Timeslot:
    slot: Timeslot = object.__new__(Timeslot)
    set_start, set_end, set_local_start, set_local_end, set_available, set_allocation = _SET_SLOT
    set_start(slot, start)
    set_end(slot, end)
    set_local_start(slot, local_start)
    set_local_end(slot, local_end)
    set_available(slot, available_spots)
    set_allocation(slot, allocation)
    return slot


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
    lines = busy if isinstance(busy, list | tuple) else list(busy)
    plan = _plan(query, resources, len(lines))
    zone = hours.zone
    starts, shadows = _grid(hours, zone, query, plan.length, date_from, date_to)
    # The grid runs forward in time (a local day's intervals are in order and the wall clock
    # maps to instants in order); sort defensively, as the sweep needs sorted starts.
    ordered = starts
    if not all(map(lt, starts, starts[1:])):
        ordered = sorted(set(starts))
    occupancy = Occupancy(lines, query.now, plan.services, plan.resources)
    table = _Table(plan, occupancy, ordered)
    position = None if ordered is starts else {start: k for k, start in enumerate(ordered)}

    if len(plan.parts) == 1 and position is None:
        return _one_service_slots(plan, table, starts, shadows, zone)
    length = plan.length
    slots: list[Timeslot] = []
    for at, start in enumerate(starts):
        outcome = _fit(plan, table, at if position is None else position[start])
        if not isinstance(outcome, Unavailable):
            slots.append(_timeslot(plan, zone, start, start + length, outcome))
    return slots


def _one_service_slots(
    plan: _Plan,
    table: _Table,
    starts: Sequence[datetime],
    shadows: Sequence[datetime],
    zone: ZoneInfo,
) -> list[Timeslot]:
    """``_fit`` and ``_timeslot`` for every start of a one-service visit, in one loop: the
    listing's hot path (the tests hold it to ``check_slot`` and to the reference).

    Where the service takes resources, these usually decide how many visits fit; the exact
    peak of spots in use is worked out only where the sum over the overlapping lines, an
    upper bound, leaves room for fewer visits than the resources do.
    """
    (part,) = plan.parts
    service = part.service
    service_id, duration = service.id, service.duration
    before, after = service.buffer_before, service.buffer_after
    capacity, spots, needs = service.capacity, plan.spots, part.needs
    name = plan.resources.name
    # The usual case, one type of resource listed once each: counted in one step.
    only_type, only_needed = 0, 0
    if len(plan.counts) == 1 and len(plan.counts[0][0]) == 1:
        (only_type,), only_needed = plan.counts[0]
    local = zone.fromutc
    (upper,), (taken,) = table.upper, table.taken
    slots: list[Timeslot] = []
    for at, start in enumerate(starts):
        free_spots = capacity - upper[at]  # at least; exactly where no lines overlap
        resource_ids: tuple[ResourceId, ...] = ()
        if needs:
            busy = unusable = taken[at]
            for candidates in needs:
                free = candidates & ~unusable
                if not free:
                    break
                lowest = free & -free  # the lowest id
                resource_ids += (name[lowest],)
                unusable |= lowest
            if len(resource_ids) < len(needs):
                continue
            if only_needed:
                visits = (only_type & ~busy).bit_count() // only_needed
            else:
                visits = _resource_sets(plan, busy)
            if free_spots // spots < visits:  # capacity may leave room for fewer
                free_spots = capacity - table.in_use(0, at)
                if free_spots < spots:
                    continue
                visits = min(visits, free_spots // spots)
        else:
            if upper[at]:
                free_spots = capacity - table.in_use(0, at)
            if free_spots < spots:
                continue
            visits = free_spots // spots
        end = start + duration
        line = _allocated_service(
            service_id,
            start,
            end,
            start - before if before else start,  # (the same instant, one object less)
            end + after if after else end,
            resource_ids,
        )
        shadow = shadows[at]
        slots.append(
            _new_timeslot(
                start, end, local(shadow), local(shadow + duration), visits * spots, (line,)
            )
        )
    return slots


def _grid(
    hours: OpeningHours,
    zone: ZoneInfo,
    query: SlotQuery,
    length: timedelta,
    date_from: date,
    date_to: date,
) -> tuple[list[datetime], list[datetime]]:
    """The starts to look at: each opening interval's grid, from the first start that is not
    too soon, up to the first that is too far ahead (which ends the listing). And the same
    instants as ``zone_tagged`` makes them, for ``zone.fromutc`` (local times)."""
    step = query.services[0].slot_interval
    earliest = query.now + query.min_notice
    latest = None if query.horizon is None else query.now + query.horizon
    starts: list[datetime] = []
    shadows: list[datetime] = []
    for day in local_days(date_from, date_to):
        for opens, closes in opening_windows(hours, day):
            start = opens
            if start < earliest:
                start += -((opens - earliest) // step) * step  # first grid start not too soon
            last = closes - length  # the visit ends by the close
            stop = last if latest is None or last <= latest else latest
            shadow = zone_tagged(start, zone)
            while start <= stop:
                starts.append(start)
                shadows.append(shadow)
                start += step
                shadow += step
            if start <= last:  # stopped by the horizon
                return starts, shadows
    return starts, shadows


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
    lines = busy if isinstance(busy, list | tuple) else list(busy)
    plan = _plan(query, resources, len(lines))
    if start < query.now + query.min_notice:
        return Unavailable(UnavailableReason.TOO_SOON)
    if query.horizon is not None and start > query.now + query.horizon:
        return Unavailable(UnavailableReason.TOO_FAR_AHEAD)
    end = start + plan.length
    if not ignore_opening_hours and not _is_open(hours, start, end):
        return Unavailable(UnavailableReason.CLOSED)

    # Only lines touching this visit matter: index those, not the whole calendar.
    lowest, highest = start + plan.reach[0], start + plan.reach[1]
    lines = [line for line in lines if line.start < highest and lowest < line.end]
    occupancy = Occupancy(lines, query.now, plan.services, plan.resources)
    outcome = _fit(plan, _Table(plan, occupancy, [start]), 0)
    if isinstance(outcome, Unavailable) and occupancy.has_holds:
        without = Occupancy(lines, query.now, plan.services, plan.resources, include_holds=False)
        without_holds = _allocate(plan, _Table(plan, without, [start]), 0)
        if isinstance(without_holds, Unavailable):
            return without_holds
        return Unavailable(UnavailableReason.HELD, outcome.service_id)
    if isinstance(outcome, Unavailable):
        return outcome
    return _timeslot(plan, hours.zone, start, end, outcome)


def _is_open(hours: OpeningHours, start: datetime, end: datetime) -> bool:
    day = start.astimezone(hours.zone).date()
    return any(opens <= start and end <= closes for opens, closes in opening_windows(hours, day))

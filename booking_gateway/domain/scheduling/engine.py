"""Timeslot listing and the re-check of one chosen start, sharing one allocation routine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from booking_gateway.domain.scheduling.clock import local_days, opening_windows
from booking_gateway.domain.scheduling.model import (
    ZERO,
    AllocatedService,
    Busy,
    OpeningHours,
    Placement,
    Resource,
    ResourceId,
    ServiceSpec,
    SlotQuery,
    Timeslot,
    Unavailable,
    UnavailableReason,
    as_utc,
)
from booking_gateway.domain.scheduling.occupancy import Occupancy

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
    return _Plan(tuple(parts), length, reach, candidates, query.spots)


def _allocate(plan: _Plan, occupancy: Occupancy, start: datetime) -> _Fit | Unavailable:
    allocation: list[AllocatedService] = []
    available = plan.parts[0].service.capacity
    for part in plan.parts:
        service = part.service
        begins = start + part.offset
        ends = begins + service.duration
        blocked_start = begins - service.buffer_before
        blocked_end = ends + service.buffer_after

        free_spots = service.capacity - occupancy.spots_in_use(
            service.id, blocked_start, blocked_end
        )
        if free_spots < plan.spots:
            return Unavailable(UnavailableReason.CAPACITY, service.id)
        available = min(available, free_spots)

        chosen: list[ResourceId] = []
        for resource_type in service.required_resource_types:
            for resource_id in plan.candidates.get(resource_type, ()):
                if resource_id in chosen or _used_in_visit(allocation, resource_id, begins, ends):
                    continue
                if occupancy.is_free(resource_id, blocked_start, blocked_end):
                    chosen.append(resource_id)
                    break
            else:
                return Unavailable(UnavailableReason.RESOURCE_BUSY, service.id)
        allocation.append(
            AllocatedService(service.id, begins, ends, blocked_start, blocked_end, tuple(chosen))
        )
    return tuple(allocation), available


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
                outcome = _allocate(plan, occupancy, start)
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
    outcome = _allocate(plan, occupancy, start)
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

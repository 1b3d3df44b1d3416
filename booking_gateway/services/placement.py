"""Placement: choosing the time and resources of booked service lines. Online booking places
new lines with it; a reschedule or a confirmed duration estimate re-places a booked line.

The scheduler (domain.scheduling) decides; the database's guarded counter and exclusion
constraint make the decision stick under concurrency. Everything here runs inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking_gateway.domain.booking_details import check_spots
from booking_gateway.domain.catalog import ReservationStatus, Service, opening_hours
from booking_gateway.domain.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    SlotTaken,
    ValidationFailed,
)
from booking_gateway.domain.models import (
    Appointment,
    Booking,
    BookingStatus,
    Precision,
    TenantSettings,
    Workshop,
)
from booking_gateway.domain.principal import Principal
from booking_gateway.domain.scheduling import (
    Placement,
    Resource,
    ResourceId,
    ServiceId,
    SlotQuery,
    Timeslot,
    Unavailable,
    check_slot,
)
from booking_gateway.domain.scheduling.clock import opening_windows
from booking_gateway.domain.validation import Problems
from booking_gateway.services.ports import Repositories

MAX_SERVICES = 5
MAX_SPOTS = 100
MAX_VISIT = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Visit:
    """Where, what and (for reserve/create) when."""

    workshop_id: str
    service_ids: Sequence[str]
    start: datetime | None = None
    end: datetime | None = None  # for a service without fixed duration
    spots: int = 1
    requested_resource_id: str | None = None
    # Further chosen resources, one per resource type (BokaMera Resources): (id, stated type).
    requested_resources: Sequence[tuple[str, str | None]] = ()
    placement: Placement = Placement.SEQUENTIAL
    outside_opening_hours: bool = False
    duration: timedelta | None = None  # staff's estimate, replacing the service's duration


Moved = tuple[Booking, Booking]  # a booking before and after re-placing it
# The states of lines a visit's move takes along: those still to come.
MOVABLE = frozenset(
    {
        BookingStatus.RESERVED,
        BookingStatus.AWAITING_PAYMENT,
        BookingStatus.PENDING,
        BookingStatus.CONFIRMED,
    }
)


@dataclass(frozen=True, slots=True)
class Plan:
    """A visit checked against the catalog and the tenant's policies, ready to place."""

    workshop: Workshop
    resources: list[Resource]
    services: list[Service]
    query: SlotQuery
    settings: TenantSettings


class PlacementService:
    def __init__(self, principal: Principal) -> None:
        self._principal = principal

    async def plan(
        self,
        repos: Repositories,
        visit: Visit,
        now: datetime,
        services: list[Service] | None = None,
    ) -> Plan:
        """Check a visit against the catalog and policies; ``services`` when already loaded."""
        p = Problems()
        if not visit.service_ids:
            p.add("serviceIds", "name at least one service")
        if len(visit.service_ids) > MAX_SERVICES:
            p.add("serviceIds", f"at most {MAX_SERVICES} services per visit")
        if len(set(visit.service_ids)) != len(visit.service_ids):
            p.add("serviceIds", "a service may appear once per visit")
        if not 1 <= visit.spots <= MAX_SPOTS:
            p.add("spots", f"must be between 1 and {MAX_SPOTS}")
        p.raise_if_any()
        # One read: the workshop, the tenant's settings, the services and the resources.
        catalog = await repos.services.for_visit(
            visit.workshop_id, visit.service_ids if services is None else ()
        )
        if catalog is None:
            raise NotFound(f"No workshop {visit.workshop_id!r}", field="workshopId")
        workshop = catalog.workshop
        if services is None:
            services = in_order(catalog.services, visit.service_ids)
        pool = catalog.resources
        for service in services:
            if workshop.id not in service.workshop_ids:
                p.add("serviceIds", f"{service.id} is not offered at this workshop")
            if not service.online_bookable and not self._principal.is_staff:
                p.add("serviceIds", f"{service.id} is bookable by staff only")
            if not service.fixed_duration and len(services) > 1:
                p.add("serviceIds", f"{service.id} has no fixed duration: book it on its own")
        for service in services[1:]:
            first = services[0]
            if service.id not in first.combinable_with and first.id not in service.combinable_with:
                p.add("serviceIds", f"{first.id} and {service.id} cannot be combined")
        check_spots(p, services, visit.spots)
        resource = visit.requested_resource_id
        requested: list[tuple[str, str, str | None]] = []
        if resource is not None:
            requested.append(("requestedResourceId", resource, None))
        requested += [
            (f"requestedResources[{i}].resourceId", rid, stated)
            for i, (rid, stated) in enumerate(visit.requested_resources)
        ]
        types_chosen: dict[str, str] = {}
        for field_name, resource_id, stated in requested:
            chosen = next((r for r in pool if r.id == resource_id), None)
            if chosen is None:
                p.add(field_name, "is not a resource of this workshop")
            elif stated is not None and stated != chosen.type:
                p.add(field_name, f"is a {chosen.type!r}, not a {stated!r}")
            elif not any(s.resource_selection for s in services):
                p.add(field_name, "these services do not let customers choose")
            elif not any(chosen.type in s.required_resource_types for s in services):
                p.add(field_name, f"these services need no {chosen.type!r}")
            elif types_chosen.setdefault(chosen.type, resource_id) != resource_id:
                p.add(field_name, f"choose one {chosen.type!r}: one resource per type")
        duration = visit.duration
        if duration is not None:
            if duration > MAX_VISIT:
                p.add("durationMinutes", "a visit lasts at most 24 hours")
        elif visit.start is not None and visit.end is not None and services:
            duration = visit.end - visit.start
            if services[0].fixed_duration:
                p.add("end", "this service has a fixed duration: leave end out")
            elif duration < timedelta(minutes=services[0].duration_minutes):
                p.add("end", f"must be at least {services[0].duration_minutes} minutes after start")
            elif duration > MAX_VISIT:
                p.add("end", "a visit lasts at most 24 hours")
        elif (
            visit.start is not None
            and services
            and not services[0].fixed_duration
            and (visit.duration is None)
        ):
            p.add("end", "this service has no fixed duration: give the end")
        p.raise_if_any()
        settings = catalog.settings
        ignore_limits = visit.outside_opening_hours
        query = SlotQuery(
            services=tuple(s.spec(duration) for s in services),
            now=now,
            spots=visit.spots,
            requested_resource_id=resource,  # type: ignore[arg-type]
            requested_resource_ids=tuple(
                ResourceId(r) for r, _ in visit.requested_resources if r != resource
            ),
            min_notice=timedelta(minutes=0 if ignore_limits else settings.minimum_notice_minutes),
            horizon=None if ignore_limits else timedelta(days=settings.booking_horizon_days),
            placement=visit.placement,
        )
        return Plan(workshop, [r.as_scheduling() for r in pool], services, query, settings)

    async def place(
        self, repos: Repositories, plan: Plan, visit: Visit, now: datetime, *, on_grid: bool = True
    ) -> Timeslot:
        """Lock the workshop, sweep expired holds and check the visit's slot against what is
        busy; the slot's lines say when and with which resources each service runs."""
        if visit.start is None:
            raise AssertionError("a placement needs a start")
        await repos.allocations.lock_workshops([plan.workshop.id])
        expired = await repos.allocations.sweep_expired(plan.workshop.id, now)
        await repos.reservations.set_status(expired, ReservationStatus.EXPIRED)
        busy = await repos.allocations.busy(
            plan.workshop.id, visit.start - timedelta(days=1), visit.start + timedelta(days=2), now
        )
        outcome = check_slot(
            workshop_hours(plan.workshop),
            plan.query,
            plan.resources,
            busy,
            visit.start,
            ignore_opening_hours=visit.outside_opening_hours,
        )
        if isinstance(outcome, Unavailable):
            raise SlotTaken(outcome.reason.value, outcome.service_id)
        if on_grid and not (self._principal.is_staff or visit.outside_opening_hours):
            _require_on_grid(plan, visit.start)
        return outcome

    async def move(
        self, repos: Repositories, booking: Booking, start: datetime, now: datetime
    ) -> list[Moved]:
        """``booking`` at a new ``start`` (a reschedule), and with it the rest of its visit:
        every line moves by the same amount (see ``replace_visit``). A booking without
        allocations (an import) simply takes the new time."""
        old = booking.appointment.starts_at
        if booking.service_id is not None and old is not None:
            lines = await repos.bookings.in_groups([booking.group_key], for_update=True)
            return await self.replace_visit(repos, lines, now, shift=start - old)
        local = start.astimezone(ZoneInfo(booking.time_zone))
        after = replace(booking, appointment=Appointment(Precision.DATETIME, local.date(), start))
        return [(booking, after)]

    async def replace_visit(
        self,
        repos: Repositories,
        lines: Sequence[Booking],
        now: datetime,
        *,
        shift: timedelta = timedelta(0),
        durations: Mapping[str, timedelta] | None = None,
    ) -> list[Moved]:
        """Re-place a visit's lines together, atomically (the caller's transaction): each
        moves by ``shift`` and lasts its ``durations`` entry (staff's estimate) or as long as
        before. A line that followed another keeps its gap after it, so lines placed back to
        back stay back to back when an earlier one grows; lines that ran in parallel keep
        their offset. Nothing overlaps that did not, and the car is never on two resources
        at once. The first line keeps to the service's grid for customer-side tokens. A line
        that no longer fits raises ``SlotTaken`` with the blocking reason, and the caller's
        rollback leaves the visit as it was. Returns the lines that changed, before and
        after (not yet saved).

        Only lines still to come move (``MOVABLE``): cancelled, completed and no-show lines
        stay where they were, and a visit with a line in progress does not move at all."""
        durations = durations or {}
        started = [b for b in lines if b.status is BookingStatus.IN_PROGRESS]
        if started:
            raise Conflict(f"Booking {started[0].id} of this visit is in progress: it cannot move")
        lines = [b for b in lines if b.status in MOVABLE]
        placed = sorted(
            (b for b in lines if b.service_id is not None and b.appointment.starts_at),
            key=lambda b: (b.appointment.starts_at, b.id),
        )
        others = [b for b in lines if b not in placed]
        moved: list[Moved] = [(b, _shifted(b, shift, durations.get(b.id))) for b in others]
        moved = [(before, after) for before, after in moved if after != before]
        if not placed:
            return moved
        await repos.allocations.release_bookings([b.id for b in placed])
        old_end = new_end = None
        for index, booking in enumerate(placed):
            start = booking.appointment.starts_at
            assert start is not None  # noqa: S101 - filtered above
            end = booking.ends_at or start
            length = durations.get(booking.id, end - start)
            if old_end is not None and new_end is not None and start >= old_end:
                new_start = new_end + (start - old_end)  # it followed: keep the gap
            else:
                new_start = start + shift  # the first line, or one running in parallel
            line = await self._place_line(repos, booking, new_start, length, now, first=index == 0)
            moved.append((booking, line))
            old_end = max(old_end or end, end)
            new_end = max(new_end or new_start + length, new_start + length)
        return moved

    async def _place_line(
        self,
        repos: Repositories,
        booking: Booking,
        start: datetime,
        length: timedelta,
        now: datetime,
        *,
        first: bool,
    ) -> Booking:
        """Place one booked service line at ``start`` for ``length`` (the service's own
        duration, or staff's estimate, which may run past closing but never over busy
        resources or capacity); the booking keeps its id."""
        if booking.service_id is None or booking.workshop_id is None:
            raise AssertionError("only online bookings hold allocations")
        [service] = await get_services(repos, [booking.service_id])
        own = timedelta(minutes=service.duration_minutes)
        estimated = service.fixed_duration and length != own
        visit = Visit(
            workshop_id=booking.workshop_id,
            service_ids=[service.id],
            start=start,
            end=None if service.fixed_duration else start + length,
            spots=booking.spots or 1,
            duration=length if estimated else None,
            # Staff's estimate may run past closing; anyone else's move keeps every rule.
            outside_opening_hours=estimated and self._principal.is_staff,
        )
        plan = await self.plan(repos, visit, now)
        [line] = (await self.place(repos, plan, visit, now, on_grid=first)).allocation
        await repos.allocations.allocate(
            workshop_id=booking.workshop_id,
            visit_id=booking.group_key,
            line_id=f"{booking.id}:{booking.revision + 1}",
            line=line,
            spots=visit.spots,
            capacity=service.capacity,
            expires_at=None,
            booking_id=booking.id,
        )
        zone = ZoneInfo(booking.time_zone)
        return replace(
            booking,
            appointment=Appointment(
                Precision.DATETIME, line.start.astimezone(zone).date(), line.start
            ),
            ends_at=line.end,
            resource_ids=tuple(line.resource_ids),
        )


def _shifted(booking: Booking, shift: timedelta, length: timedelta | None) -> Booking:
    """A booking without allocations (an import) moved by ``shift``, lasting ``length``."""
    start = booking.appointment.starts_at
    if start is None:
        return booking
    start += shift
    local = start.astimezone(ZoneInfo(booking.time_zone))
    ends_at = start + length if length is not None else booking.ends_at
    if length is None and booking.ends_at is not None:
        ends_at = booking.ends_at + shift
    return replace(
        booking,
        appointment=Appointment(Precision.DATETIME, local.date(), start),
        ends_at=ends_at,
    )


async def get_workshop(repos: Repositories, workshop_id: str) -> Workshop:
    workshop = await repos.workshops.get(workshop_id)
    if workshop is None:
        raise NotFound(f"No workshop {workshop_id!r}", field="workshopId")
    return workshop


async def get_services(repos: Repositories, ids: Sequence[str]) -> list[Service]:
    """The services, in the order asked for; ``NotFound`` for the first one missing."""
    return in_order(await repos.services.get_many(ids), ids)


def in_order(found: Mapping[ServiceId, Service], ids: Sequence[str]) -> list[Service]:
    """The services found, in the order of ``ids``; ``NotFound`` for the first one missing."""
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No service {missing[0]!r}", field="serviceIds")
    return [found[i] for i in ids]  # type: ignore[index]


def workshop_hours(workshop: Workshop) -> Any:
    """The workshop's opening hours, as the scheduler reads them."""
    return opening_hours(workshop.time_zone, workshop.opening_hours, workshop.special_days)


def _require_on_grid(plan: Plan, start: datetime) -> None:
    """A customer-side start must be one that ``timeslots`` offers: on the first service's
    grid, counted from the opening of the window it falls in (staff may book in between)."""
    hours = workshop_hours(plan.workshop)
    step = plan.query.services[0].slot_interval
    for opens, closes in opening_windows(hours, start.astimezone(hours.zone).date()):
        if opens <= start < closes and (start - opens) % step:
            minutes = int(step.total_seconds() // 60)
            first = opens.astimezone(hours.zone).strftime("%H:%M")
            raise ValidationFailed(
                [
                    FieldProblem(
                        "startsAt",
                        f"is not a start time of this service: starts are every {minutes} "
                        f"minutes from {first}",
                    )
                ]
            )

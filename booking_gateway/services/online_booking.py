"""Online booking: timeslots, 15-minute holds, confirmation, one-step and multi-service
bookings. Where each service line runs (time and resources) is decided by
services.placement, which rescheduling and duration estimates use as well.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking_gateway.domain.booking_details import (
    BookingDetails,
    CustomerInput,
    check_answers,
    check_custom_fields,
    check_customer,
    check_extras,
    spots_from_quantities,
)
from booking_gateway.domain.catalog import (
    Customer,
    CustomerId,
    GroupId,
    Reservation,
    ReservationId,
    ReservationStatus,
    Service,
)
from booking_gateway.domain.errors import (
    ActiveBookingExists,
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ReservationExpired,
    ValidationFailed,
)
from booking_gateway.domain.ids import BookingId, new_booking_id
from booking_gateway.domain.models import (
    Appointment,
    AuditAction,
    Booking,
    BookingStatus,
    Precision,
    RequestMeta,
    TenantSettings,
    Workshop,
    vehicle_policy_since,
)
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.scheduling import AllocatedService, Timeslot, compute_timeslots
from booking_gateway.domain.validation import Problems
from booking_gateway.services import Clock, UnitOfWork, record, utc_now
from booking_gateway.services.placement import (
    PlacementService,
    Visit,
    get_services,
    get_workshop,
    workshop_hours,
)
from booking_gateway.services.ports import Repositories

MAX_RANGE_DAYS = 31


@dataclass(frozen=True, slots=True)
class TimeslotList:
    time_zone: str
    slots: list[Timeslot]


class OnlineBookingService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        meta: RequestMeta,
        clock: Clock = utc_now,
        placement: PlacementService | None = None,
    ) -> None:
        self._uow = uow
        self._principal = principal
        self._meta = meta
        self._clock = clock
        self._placement = placement or PlacementService(principal)

    async def timeslots(self, visit: Visit, date_from: date, date_to: date) -> TimeslotList:
        self._principal.require(Scope.BOOKINGS_READ)
        p = Problems()
        p.day("dateFrom", date_from)
        p.day("dateTo", date_to)
        p.raise_if_any()
        if date_to < date_from:
            p.add("dateTo", "must not be before dateFrom")
        elif (date_to - date_from).days >= MAX_RANGE_DAYS:
            p.add("dateTo", f"the range may span at most {MAX_RANGE_DAYS} days")
        p.raise_if_any()
        now = self._clock()
        repos = self._uow.read()
        plan = await self._placement.plan(repos, visit, now)
        zone = ZoneInfo(plan.workshop.time_zone)
        window_start = datetime.combine(date_from, datetime.min.time(), zone) - timedelta(days=1)
        window_end = datetime.combine(date_to, datetime.min.time(), zone) + timedelta(days=2)
        busy = await repos.allocations.busy(plan.workshop.id, window_start, window_end, now)
        slots = compute_timeslots(
            workshop_hours(plan.workshop),
            plan.query,
            plan.resources,
            busy,
            date_from=date_from,
            date_to=date_to,
        )
        return TimeslotList(plan.workshop.time_zone, slots)

    async def reserve(self, visit: Visit, notes: str | None = None) -> Reservation:
        self._principal.require(Scope.BOOKINGS_WRITE)
        p = Problems()
        clean_notes = p.text("notes", notes, max_length=2000)
        p.raise_if_any()
        now = self._clock()
        async with self._uow.begin() as repos:
            plan = await self._placement.plan(repos, visit, now)
            slot = await self._placement.place(repos, plan, visit, now)
            reservation = Reservation(
                id=ReservationId(str(uuid.uuid4())),
                workshop_id=plan.workshop.id,
                status=ReservationStatus.HELD,
                starts_at=slot.start,
                ends_at=slot.end,
                expires_at=now + timedelta(minutes=plan.settings.reservation_hold_minutes),
                spots=plan.query.spots,
                lines=slot.allocation,
                created_by=self._principal.subject,
                created_at=now,
                notes=clean_notes,
                customer_key=self._principal.customer,
            )
            await repos.reservations.add(reservation)
            for index, line in enumerate(reservation.lines):
                await repos.allocations.allocate(
                    workshop_id=plan.workshop.id,
                    visit_id=reservation.id,
                    line_id=f"{reservation.id}:{index}",
                    line=line,
                    spots=reservation.spots,
                    capacity=plan.services[index].capacity,
                    expires_at=reservation.expires_at,
                    reservation_id=reservation.id,
                )
            return reservation

    async def get_reservation(self, reservation_id: str) -> Reservation | None:
        """The reservation as it is now: a hold past its expiry reads ``EXPIRED`` at once,
        whether or not a later write has marked it so."""
        self._principal.require(Scope.BOOKINGS_READ)
        found = await self._uow.read().reservations.get(reservation_id)
        held = found is not None and found.status is ReservationStatus.HELD
        if found is not None and held and not found.is_live(self._clock()):
            return replace(found, status=ReservationStatus.EXPIRED)
        return found

    async def release(self, reservation_id: str) -> Reservation:
        self._principal.require(Scope.BOOKINGS_WRITE)
        async with self._uow.begin() as repos:
            reservation = await repos.reservations.get(reservation_id, for_update=True)
            if reservation is None:
                raise NotFound(f"No reservation {reservation_id!r}")
            if reservation.status is ReservationStatus.CONFIRMED:
                raise Conflict("The reservation is confirmed: cancel its booking instead")
            if reservation.status is ReservationStatus.HELD:
                await repos.allocations.release_reservation(reservation.id)
                await repos.reservations.set_status([reservation.id], ReservationStatus.RELEASED)
                return replace(reservation, status=ReservationStatus.RELEASED)
            return reservation

    async def confirm(self, reservation_id: str, details: BookingDetails) -> list[Booking]:
        """Turn a live hold into bookings. Confirming again answers the same bookings."""
        self._principal.require(Scope.BOOKINGS_WRITE)
        now = self._clock()
        async with self._uow.begin() as repos:
            reservation = await repos.reservations.get(reservation_id, for_update=True)
            if reservation is None or reservation.status is ReservationStatus.RELEASED:
                raise NotFound(f"No reservation {reservation_id!r} to confirm")
            if reservation.status is ReservationStatus.CONFIRMED and reservation.group_id:
                booked = await repos.bookings.in_group(reservation.group_id)
                if not booked:  # booked for someone this token does not see
                    raise NotFound(f"No reservation {reservation_id!r} to confirm")
                return booked
            if not reservation.is_live(now):
                raise ReservationExpired(
                    f"Reservation {reservation_id!r} expired at "
                    f"{reservation.expires_at.isoformat()}; reserve a timeslot again",
                    expiredAt=reservation.expires_at.isoformat(),
                )
            workshop = await get_workshop(repos, reservation.workshop_id)
            services = await get_services(repos, [ln.service_id for ln in reservation.lines])
            group_id = GroupId(str(uuid.uuid4()))
            if details.customer_note is None:  # the notes given when reserving survive
                details = replace(details, customer_note=reservation.notes)
            bookings = await self._book(
                repos,
                workshop,
                services,
                reservation.lines,
                reservation.spots,
                details,
                group_id,
                now,
                settings=await repos.tenants.settings(),
                reservation_id=reservation.id,
                customer_required=True,
            )
            await repos.allocations.confirm_hold(
                reservation.id,
                {f"{reservation.id}:{i}": b.id for i, b in enumerate(bookings)},
            )
            await repos.reservations.set_status(
                [reservation.id], ReservationStatus.CONFIRMED, group_id
            )
            return bookings

    async def create_booking(self, visit: Visit, details: BookingDetails) -> list[Booking]:
        """One step: check the slot, allocate and book, atomically."""
        self._principal.require(Scope.BOOKINGS_WRITE)
        if visit.outside_opening_hours and Scope.ADMIN not in self._principal.scopes:
            raise PermissionDenied("Only admins may book outside opening hours")
        now = self._clock()
        async with self._uow.begin() as repos:
            services = await get_services(repos, visit.service_ids)
            p = Problems()
            spots = spots_from_quantities(p, services, details, visit.spots)
            p.raise_if_any()
            sized = replace(visit, spots=spots)
            plan = await self._placement.plan(repos, sized, now, services)
            slot = await self._placement.place(repos, plan, sized, now)
            group_id = GroupId(str(uuid.uuid4()))
            lines = slot.allocation
            ids = [new_booking_id() for _ in lines]
            for index, line in enumerate(lines):
                await repos.allocations.allocate(
                    workshop_id=plan.workshop.id,
                    visit_id=group_id,
                    line_id=f"{ids[index]}:0",
                    line=line,
                    spots=spots,
                    capacity=plan.services[index].capacity,
                    expires_at=None,
                    booking_id=ids[index],
                )
            return await self._book(
                repos,
                plan.workshop,
                plan.services,
                lines,
                spots,
                details,
                group_id,
                now,
                settings=plan.settings,  # read with the catalog already
                booking_ids=ids,
                customer_required=not self._principal.is_staff,
            )

    async def _book(
        self,
        repos: Repositories,
        workshop: Workshop,
        services: list[Service],
        lines: Sequence[AllocatedService],
        spots: int,
        details: BookingDetails,
        group_id: GroupId,
        now: datetime,
        *,
        settings: TenantSettings,
        reservation_id: str | None = None,
        booking_ids: Sequence[BookingId] | None = None,
        customer_required: bool,
    ) -> list[Booking]:
        staffs = (details.internal_comment, details.comment_to_customer)
        if any(n is not None for n in staffs) and not self._principal.is_staff:
            raise PermissionDenied(
                "Only staff write internalComment and commentToCustomer; write customerNote"
            )
        p = Problems()
        today = now.astimezone(ZoneInfo(workshop.time_zone)).date()
        if details.customer is not None:
            given = check_customer(
                p,
                details.customer,
                any(s.requires_date_of_birth for s in services),
                today,
                email_required=settings.customer_email_required,
            )
            details = replace(details, customer=given)  # trimmed, as stored
        elif details.customer_id is None and customer_required and not self._principal.is_customer:
            p.add("customer", "give the customer's details")
        custom_fields = check_custom_fields(p, services, details)
        answers = check_answers(p, services, details)
        extras = check_extras(p, details)
        vin = p.vin("vin", details.vin) if details.vin is not None else None
        if details.quantities:
            wanted = spots_from_quantities(p, services, details, spots)
            if reservation_id is not None and wanted != spots:
                p.add("quantities", f"take {wanted} spots; the reservation holds {spots}")
        p.raise_if_any()
        if vin is not None:
            await self._one_active_per_vehicle(repos, vin, now, settings)
        customer = await self._customer(repos, details, now)
        zone = ZoneInfo(workshop.time_zone)
        contact = None
        if details.customer is not None:
            contact = {
                "email": details.customer.email,
                "phone": details.customer.phone,
                "firstName": details.customer.first_name,
                "lastName": details.customer.last_name,
            }
        status = BookingStatus.CONFIRMED
        if not self._principal.is_staff and needs_confirmation(services, settings):
            status = BookingStatus.PENDING  # holds its time until staff confirm or decline
        order_number = await repos.tenants.next_order_number(now)
        booked = []
        for index, line in enumerate(lines):
            booking = Booking(
                id=booking_ids[index] if booking_ids else new_booking_id(),
                tenant_id=self._principal.tenant,
                status=status,
                appointment=Appointment(
                    Precision.DATETIME, line.start.astimezone(zone).date(), line.start
                ),
                created_at=now,
                updated_at=now,
                workshop_id=workshop.id,
                time_zone=workshop.time_zone,
                source="online",
                vin=vin,
                booking_created_at=now,
                group_id=group_id,
                service_id=line.service_id,
                ends_at=line.end,
                spots=spots,
                customer_id=customer.id if customer else None,
                reservation_id=reservation_id,
                resource_ids=tuple(line.resource_ids),
                details={
                    **_details(extras, custom_fields, answers, contact),
                    "orderNumber": order_number,
                },
            )
            await repos.bookings.add(booking)
            await record(
                repos,
                self._principal,
                self._meta,
                AuditAction.ADDED,
                booking,
                before=None,
                after=booking.snapshot(),
                now=now,
            )
            booked.append(booking)
        return booked

    async def _one_active_per_vehicle(
        self, repos: Repositories, vin: str, now: datetime, settings: TenantSettings
    ) -> None:
        """The tenant's one-active-booking-per-vehicle policy, as the dealer import applies
        it: checked under the tenant's lock, so two bookings of one vehicle cannot race."""
        if not settings.one_active_booking_per_vehicle:
            return
        await repos.tenants.lock()
        other = await repos.bookings.active_for_vehicle(vin, since=vehicle_policy_since(now))
        if other is not None:
            # Nothing of the other booking is named: it may be another customer's.
            raise ActiveBookingExists(
                "This vehicle already has an active booking; the tenant allows one per vehicle"
            )

    async def _customer(
        self, repos: Repositories, details: BookingDetails, now: datetime
    ) -> Customer | None:
        """An existing profile is linked, never overwritten; a new one is created. A customer
        token books only as its own customer."""
        own = self._principal.customer
        if own is not None:
            return await self._own_customer(repos, details, now, own)
        if details.customer_id is not None:
            found = await repos.customers.get(details.customer_id)
            if found is None:
                raise NotFound(f"No customer {details.customer_id!r}")
            return found
        given = details.customer
        if given is None:
            return None
        existing = await repos.customers.by_identifier(given.personal_identifier)
        if existing is not None:
            return existing
        return await self._customer_from(repos, given, now)

    async def _customer_from(
        self, repos: Repositories, given: CustomerInput, now: datetime
    ) -> Customer:
        return await repos.customers.add_if_absent(
            Customer(
                id=CustomerId(str(uuid.uuid4())),
                personal_identifier=given.personal_identifier,
                first_name=given.first_name.strip(),
                last_name=given.last_name.strip(),
                email=given.email,
                phone=given.phone,
                date_of_birth=given.date_of_birth,
            ),
            now,
        )

    async def _own_customer(
        self, repos: Repositories, details: BookingDetails, now: datetime, own: str
    ) -> Customer:
        given = details.customer
        if given is not None and given.personal_identifier != own:
            raise PermissionDenied("A customer token books only as its own customer")
        if details.customer_id is not None:
            # The customer scope finds the token's own profile only.
            found = await repos.customers.get(details.customer_id)
            if found is None:
                raise PermissionDenied("A customer token books only as its own customer")
            return found
        existing = await repos.customers.by_identifier(own)
        if existing is not None:
            return existing
        if given is None:
            raise ValidationFailed(
                [FieldProblem("customer", "give the customer's details (no profile yet)")]
            )
        return await self._customer_from(repos, given, now)


def _details(
    extras: dict[str, Any],
    custom_fields: dict[str, str],
    answers: dict[str, str],
    contact: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        **{k: v for k, v in extras.items() if v not in (None, [], {})},
        **({"customFieldValues": custom_fields} if custom_fields else {}),
        **({"answers": answers} if answers else {}),
        **({"customerContact": contact} if contact else {}),
    }


def needs_confirmation(services: Sequence[Service], settings: TenantSettings) -> bool:
    """Request and confirm: a visit starts PENDING when any of its services asks for it (its
    own ``needs_confirmation``, else the tenant's ``bookings_need_confirmation``)."""
    default = settings.bookings_need_confirmation
    return any(default if s.needs_confirmation is None else s.needs_confirmation for s in services)

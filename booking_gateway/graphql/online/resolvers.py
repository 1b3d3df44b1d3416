from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from booking_gateway.domain.errors import (
    Conflict,
    NotFound,
    ReservationExpired,
    SlotTaken,
    ValidationFailed,
)
from booking_gateway.domain.scheduling import Placement
from booking_gateway.graphql.bookings.types import Booking
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import (
    ConflictError,
    NotFoundError,
    ReservationExpiredError,
    SlotUnavailableError,
    ValidationError,
    error_member,
)
from booking_gateway.graphql.online.inputs import (
    ConfirmReservationInput,
    CreateBookingInput,
    ReleaseReservationInput,
    RequestedResourceInput,
    ReserveTimeslotInput,
    to_visit,
)
from booking_gateway.graphql.online.inputs import requested_resources as chosen_resources
from booking_gateway.graphql.online.types import Reservation, Timeslots
from booking_gateway.services.placement import Visit


@strawberry.type(description="The timeslot is held.")
class ReserveTimeslotSuccess:
    reservation: Reservation = strawberry.field(description="Confirm before `expiresAt`.")


@strawberry.type(description="The reservation was released (or had already ended).")
class ReleaseReservationSuccess:
    reservation: Reservation = strawberry.field(description="Its final state.")


@strawberry.type(description="Booked: one booking per service, sharing a group id.")
class BookingSuccess:
    group_id: strawberry.ID = strawberry.field(description="The visit's group id.")
    bookings: list[Booking] = strawberry.field(description="The bookings, in visit order.")


ReserveTimeslotResult = Annotated[
    ReserveTimeslotSuccess | SlotUnavailableError | ValidationError | NotFoundError,
    strawberry.union("ReserveTimeslotResult", description="The hold, or why not."),
]
ConfirmReservationResult = Annotated[
    BookingSuccess | ReservationExpiredError | ValidationError | NotFoundError,
    strawberry.union("ConfirmReservationResult", description="The bookings, or why not."),
]
ReleaseReservationResult = Annotated[
    ReleaseReservationSuccess | NotFoundError | ConflictError,
    strawberry.union("ReleaseReservationResult", description="Released, or why not."),
]
CreateBookingResult = Annotated[
    BookingSuccess | SlotUnavailableError | ValidationError | NotFoundError,
    strawberry.union("CreateBookingResult", description="The bookings, or why not."),
]


def _booked(bookings: list[object]) -> BookingSuccess:
    domain = list(bookings)
    return BookingSuccess(
        group_id=strawberry.ID(domain[0].group_id),  # type: ignore[attr-defined]
        bookings=[Booking.from_domain(b) for b in domain],  # type: ignore[arg-type]
    )


@strawberry.type
class OnlineQueries:
    @strawberry.field(
        description="Free timeslots of one service or a combination at a workshop "
        "(at most 31 days). Errors: BAD_USER_INPUT, NOT_FOUND."
    )
    async def timeslots(
        self,
        info: strawberry.Info[Context, None],
        workshop_id: Annotated[strawberry.ID, strawberry.argument(description="Workshop.")],
        service_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="One or more services.")
        ],
        date_from: Annotated[date, strawberry.argument(description="First local date.")],
        date_to: Annotated[date, strawberry.argument(description="Last local date.")],
        spots: Annotated[int, strawberry.argument(description="numberOfReservations.")] = 1,
        requested_resource_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="A chosen resource.")
        ] = None,
        requested_resources: Annotated[
            list[RequestedResourceInput] | None,
            strawberry.argument(description="Chosen resources, one per resource type."),
        ] = None,
        placement: Annotated[
            Placement, strawberry.argument(description="Several services: how placed.")
        ] = Placement.SEQUENTIAL,
    ) -> Timeslots:
        visit = Visit(
            workshop_id=workshop_id,
            service_ids=[str(s) for s in service_ids],
            spots=spots,
            requested_resource_id=requested_resource_id,
            requested_resources=chosen_resources(requested_resources or []),
            placement=placement,
        )
        found = await info.context.online.timeslots(visit, date_from, date_to)
        return Timeslots.from_domain(found.time_zone, found.slots)

    @strawberry.field(description="A reservation (hold) by id, or null.")
    async def reservation(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="Reservation id.")],
    ) -> Reservation | None:
        found = await info.context.online.get_reservation(id)
        if found is None:
            return None
        workshop = await info.context.workshop_loader.load(found.workshop_id)
        return Reservation.from_domain(found, workshop.time_zone if workshop else "UTC")


@strawberry.type
class OnlineMutations:
    @strawberry.mutation(description="Hold a timeslot (15 minutes by default).")
    async def reserve_timeslot(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[ReserveTimeslotInput, strawberry.argument(description="What, when.")],
    ) -> ReserveTimeslotResult:
        try:
            visit = to_visit(input)
            held = await info.context.online.reserve(visit, input.notes)
        except (SlotTaken, ValidationFailed, NotFound) as exc:
            return error_member(exc)  # type: ignore[return-value]
        workshop = await info.context.workshop_loader.load(held.workshop_id)
        time_zone = workshop.time_zone if workshop else "UTC"
        return ReserveTimeslotSuccess(reservation=Reservation.from_domain(held, time_zone))

    @strawberry.mutation(
        description="Book a held timeslot with the customer's details. "
        "Confirming twice answers the same bookings."
    )
    async def confirm_reservation(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[ConfirmReservationInput, strawberry.argument(description="Details.")],
    ) -> ConfirmReservationResult:
        try:
            bookings = await info.context.online.confirm(
                input.reservation_id, input.details.to_domain()
            )
        except (ReservationExpired, ValidationFailed, NotFound) as exc:
            return error_member(exc)  # type: ignore[return-value]
        return _booked(bookings)  # type: ignore[arg-type]

    @strawberry.mutation(description="Give a held timeslot back at once.")
    async def release_reservation(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[ReleaseReservationInput, strawberry.argument(description="Which.")],
    ) -> ReleaseReservationResult:
        try:
            released = await info.context.online.release(input.reservation_id)
        except (NotFound, Conflict) as exc:
            return error_member(exc)  # type: ignore[return-value]
        workshop = await info.context.workshop_loader.load(released.workshop_id)
        return ReleaseReservationSuccess(
            reservation=Reservation.from_domain(released, workshop.time_zone if workshop else "UTC")
        )

    @strawberry.mutation(description="Book in one step: check the slot, allocate, book.")
    async def create_booking(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[CreateBookingInput, strawberry.argument(description="The booking.")],
    ) -> CreateBookingResult:
        try:
            visit = to_visit(input, outside_opening_hours=input.allow_booking_outside_schedules)
            bookings = await info.context.online.create_booking(visit, input.details.to_domain())
        except (SlotTaken, ValidationFailed, NotFound) as exc:
            return error_member(exc)  # type: ignore[return-value]
        return _booked(bookings)  # type: ignore[arg-type]

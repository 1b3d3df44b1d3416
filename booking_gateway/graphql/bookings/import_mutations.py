"""``addBooking`` / ``changeBooking`` / ``cancelBooking`` exactly as Connected Cars clients send
them: one ``input`` argument, every field a String (their clients declare ``String!``
variables), no selection set (the result is a scalar), failures as top-level errors with
``extensions.code``."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from booking_gateway.domain.dealer_import import KEEP
from booking_gateway.graphql.bookings.import_fast_path import IMPORT_FIELDS, import_input
from booking_gateway.graphql.context import Context

_DATE = (
    "Appointment: RFC 3339 timestamp (2022-08-23T13:30:00.000Z, any offset, fractional "
    "seconds) or a bare date (2022-01-12), kept as date-only. Past dates are accepted."
)


def _wire(input: object) -> dict[str, Any]:
    """The input's fields by their GraphQL names; fields left out (UNSET) are absent."""
    return {
        wire: value
        for wire, (name, _) in IMPORT_FIELDS.items()
        if (value := getattr(input, name)) is not strawberry.UNSET
    }


@strawberry.input(description="A booking as a dealer management system pushes it.")
class AddBookingInput:
    booking_source: str = strawberry.field(
        description="Source of the booking, e.g. `user`; must be allowed for the tenant."
    )
    booking_id: str = strawberry.field(description="Booking id in the dealer system (<=128).")
    booking_dealer: str = strawberry.field(
        description="Dealer number (KVPS or similar); links the workshop with that number."
    )
    vin: str = strawberry.field(description="17-character VIN (no I, O or Q).")
    appointment_date: str = strawberry.field(description=_DATE)
    reason_key: str | None = strawberry.field(default=None, description="e.g. `service`.")
    reason_text: str | None = strawberry.field(default=None, description="e.g. `Service`.")
    fleet_id: strawberry.ID | None = strawberry.field(default=None, description="Fleet id.")
    workshop_id: strawberry.ID | None = strawberry.field(
        default=None, description="Gateway workshop id; kept as sent if it names none."
    )
    booking_created_at: str | None = strawberry.field(
        default=None, description="RFC 3339; when the booking was made. Defaults to now."
    )


@strawberry.input(
    description="A changed booking. Optional fields left out keep their stored value; "
    "an explicit null clears them."
)
class ChangeBookingInput:
    booking_source: str = strawberry.field(description="Source of the booking to change.")
    booking_id: str = strawberry.field(description="Booking id in the dealer system.")
    booking_dealer: str = strawberry.field(description="Dealer number (KVPS or similar).")
    vin: str = strawberry.field(description="17-character VIN (no I, O or Q).")
    appointment_date: str = strawberry.field(description=_DATE)
    reason_key: str | None = strawberry.field(default=strawberry.UNSET, description="Reason key.")
    reason_text: str | None = strawberry.field(default=strawberry.UNSET, description="Reason text.")
    fleet_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Fleet id."
    )
    workshop_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Gateway workshop id."
    )
    booking_created_at: str | None = strawberry.field(
        default=strawberry.UNSET, description="RFC 3339 creation time in the source system."
    )


@strawberry.input(description="Which booking to cancel.")
class CancelBookingInput:
    booking_id: str = strawberry.field(description="Booking id in the dealer system.")
    booking_source: str | None = strawberry.field(
        default=None,
        description="Needed only when the tenant has this bookingId from several sources.",
    )


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        description="Add a booking (idempotent: the same data again changes nothing). "
        "Returns the gateway booking id. Errors: BAD_USER_INPUT, BOOKING_SOURCE_NOT_ALLOWED, "
        "BOOKING_ALREADY_EXISTS, BOOKING_CANCELLED, ACTIVE_BOOKING_EXISTS, FORBIDDEN."
    )
    async def add_booking(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[AddBookingInput, strawberry.argument(description="The booking.")],
    ) -> strawberry.ID | None:
        booking = await info.context.dealer_import.add(import_input(_wire(input), None))
        return strawberry.ID(booking.id)

    @strawberry.mutation(
        description="Change a booking found by (bookingSource, bookingId). Returns the gateway "
        "booking id. Errors: NOT_FOUND, BOOKING_CANCELLED, BAD_USER_INPUT, "
        "BOOKING_SOURCE_NOT_ALLOWED, ACTIVE_BOOKING_EXISTS, FORBIDDEN."
    )
    async def change_booking(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[ChangeBookingInput, strawberry.argument(description="The change.")],
    ) -> strawberry.ID | None:
        booking = await info.context.dealer_import.change(import_input(_wire(input), KEEP))
        return strawberry.ID(booking.id)

    @strawberry.mutation(
        description="Cancel a booking (repeating it succeeds and cancels once). Returns the "
        "gateway booking id. Errors: NOT_FOUND, AMBIGUOUS_BOOKING_ID, BAD_USER_INPUT."
    )
    async def cancel_booking(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[CancelBookingInput, strawberry.argument(description="Which booking.")],
    ) -> strawberry.ID | None:
        booking = await info.context.dealer_import.cancel(input.booking_id, input.booking_source)
        return strawberry.ID(booking.id)

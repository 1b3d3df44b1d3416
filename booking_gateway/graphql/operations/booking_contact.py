from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.domain.booking_details import ContactChange
from booking_gateway.domain.errors import DomainError
from booking_gateway.graphql.bookings.types import Booking
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import error_member
from booking_gateway.graphql.operations.types import BookingsChanged, UpdateBookingResult


@strawberry.input(
    description="Contact details to change on a booking; a field left out stays as it is, an "
    "empty e-mail or phone number is cleared."
)
class BookingContactInput:
    first_name: str | None = strawberry.field(default=None, description="First name.")
    last_name: str | None = strawberry.field(default=None, description="Last name.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    phone_number: str | None = strawberry.field(default=None, description="Phone, up to 255.")

    def to_domain(self) -> ContactChange:
        return ContactChange(self.first_name, self.last_name, self.email, self.phone_number)


@strawberry.type
class BookingContactMutations:
    @strawberry.mutation(
        description="Update the customer's contact details kept on a booking and the rest of "
        "its visit (003): staff, or the customer themself. The customer's profile is never "
        "changed by it; the change is audited."
    )
    async def update_booking_customer_details(
        self,
        info: strawberry.Info[Context, None],
        booking_id: Annotated[strawberry.ID, strawberry.argument(description="Booking.")],
        details: Annotated[BookingContactInput, strawberry.argument(description="Changes.")],
        expected_revision: Annotated[
            int | None, strawberry.argument(description="Its revision as you read it.")
        ] = None,
    ) -> UpdateBookingResult:
        try:
            changed = await info.context.booking_contact.update(
                booking_id, details.to_domain(), expected_revision
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return BookingsChanged(bookings=[Booking.from_domain(b) for b in changed])

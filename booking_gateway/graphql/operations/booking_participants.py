from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.domain.errors import DomainError
from booking_gateway.graphql.bookings.types import Booking
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import error_member
from booking_gateway.graphql.operations.types import (
    BookingsChanged,
    ParticipantInput,
    UpdateBookingResult,
)


@strawberry.type
class BookingParticipantMutations:
    @strawberry.mutation(description="Replace the participants (staff).")
    async def set_booking_participants(
        self,
        info: strawberry.Info[Context, None],
        booking_id: Annotated[strawberry.ID, strawberry.argument(description="Booking.")],
        participants: Annotated[
            list[ParticipantInput], strawberry.argument(description="At most 20.")
        ],
        expected_revision: Annotated[
            int | None, strawberry.argument(description="Its revision as you read it.")
        ] = None,
    ) -> UpdateBookingResult:
        try:
            changed = await info.context.booking_participants.set_participants(
                booking_id,
                [
                    {
                        "id": p.id,
                        "personId": p.person_id,
                        "firstName": p.first_name,
                        "lastName": p.last_name,
                        "name": p.name,
                        "role": p.role,
                    }
                    for p in participants
                ],
                expected_revision,
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return BookingsChanged(bookings=[Booking.from_domain(changed)])

from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.graphql.bookings.types import Booking
from booking_gateway.graphql.context import Context


@strawberry.type
class BookingQueries:
    @strawberry.field(description="A booking by its gateway id; null if none is visible.")
    async def booking(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="Gateway booking id.")],
    ) -> Booking | None:
        found = await info.context.bookings.get(id)
        return Booking.from_domain(found) if found else None

    @strawberry.field(
        description="A booking by the dealer system's key (bookingSource, bookingId)."
    )
    async def booking_by_external_key(
        self,
        info: strawberry.Info[Context, None],
        source: Annotated[str, strawberry.argument(description="`bookingSource` of the import.")],
        booking_id: Annotated[str, strawberry.argument(description="`bookingId` of the import.")],
    ) -> Booking | None:
        found = await info.context.bookings.get_by_key(source, booking_id)
        return Booking.from_domain(found) if found else None

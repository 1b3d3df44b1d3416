from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.domain.errors import DomainError
from booking_gateway.graphql.bookings.types import BookingMessage
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import error_member
from booking_gateway.graphql.operations.types import (
    AttachmentInput,
    MessagePosted,
    PostBookingMessageResult,
)


@strawberry.type
class BookingMessageMutations:
    @strawberry.mutation(
        description="Post to a booking's thread. Attachments: at most 3, "
        "32 KiB each, PNG, JPEG, PDF or plain text."
    )
    async def post_booking_message(
        self,
        info: strawberry.Info[Context, None],
        booking_id: Annotated[strawberry.ID, strawberry.argument(description="Booking.")],
        body: Annotated[str, strawberry.argument(description="Up to 4000 characters.")],
        internal: Annotated[
            bool, strawberry.argument(description="True: staff only (staff may post it).")
        ] = False,
        attachments: Annotated[
            list[AttachmentInput] | None, strawberry.argument(description="Small files.")
        ] = None,
    ) -> PostBookingMessageResult:
        try:
            message = await info.context.booking_messages.post(
                booking_id,
                body,
                internal,
                [(a.filename, a.content_type, a.data_base64) for a in attachments or []],
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return MessagePosted(message=BookingMessage.from_domain(message))

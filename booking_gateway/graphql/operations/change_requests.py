from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from booking_gateway.domain import operations as ops
from booking_gateway.domain.errors import DomainError
from booking_gateway.graphql.bookings.types import Booking
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import error_member
from booking_gateway.graphql.operations.types import (
    BookingChangeResult,
    BookingsChanged,
    BookingTargetInput,
    ChangeRequest,
    ChangeRequestDecided,
    ChangeRequested,
    ChangeRequestPage,
    DecideChangeRequestResult,
)

Info = strawberry.Info[Context, None]


def _outcome(outcome: ops.ChangeOutcome) -> BookingChangeResult:
    if outcome.request is not None:
        return ChangeRequested(change_request=ChangeRequest.from_domain(outcome.request))
    return BookingsChanged(bookings=[Booking.from_domain(b) for b in outcome.bookings])


@strawberry.type
class ChangeRequestQueries:
    @strawberry.field(description="Change requests (staff), oldest first.")
    async def change_requests(
        self,
        info: Info,
        status: Annotated[
            ops.ChangeRequestStatus | None, strawberry.argument(description="Only these.")
        ] = None,
        page: Annotated[int, strawberry.argument(description="From 1.")] = 1,
        page_size: Annotated[int, strawberry.argument(description="1-200.")] = 20,
    ) -> ChangeRequestPage:
        found = await info.context.change_requests.page(status, page, page_size)
        return ChangeRequestPage(
            page=found.page,
            page_size=found.page_size,
            has_next_page=found.has_next,
            items=[ChangeRequest.from_domain(r) for r in found.items],
            status=status,
        )


@strawberry.type
class BookingChangeMutations:
    """Changes a customer may ask for: applied, or a change request (tenant policy)."""

    @strawberry.mutation(
        description="Cancel with a reason and an optional message to the "
        "customer. Staff: a booking or a group; customer-side tokens: one "
        "booking, possibly as a change request."
    )
    async def cancel_bookings(
        self,
        info: Info,
        target: Annotated[BookingTargetInput, strawberry.argument(description="What.")],
        reason: Annotated[str | None, strawberry.argument(description="Why.")] = None,
        message_to_customer: Annotated[
            str | None, strawberry.argument(description="Sent to the customer.")
        ] = None,
        expected_revision: Annotated[
            int | None, strawberry.argument(description="Single booking: its revision.")
        ] = None,
    ) -> BookingChangeResult:
        try:
            outcome = await info.context.change_requests.cancel(
                target.to_domain(), reason, message_to_customer, expected_revision
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return _outcome(outcome)

    @strawberry.mutation(
        description="Move a booking to another start; it keeps its id. "
        "Customer-side tokens may get a change request instead."
    )
    async def reschedule_booking(
        self,
        info: Info,
        booking_id: Annotated[strawberry.ID, strawberry.argument(description="Booking.")],
        starts_at: Annotated[datetime, strawberry.argument(description="New start (RFC 3339).")],
        expected_revision: Annotated[
            int | None, strawberry.argument(description="Its revision as you read it.")
        ] = None,
    ) -> BookingChangeResult:
        try:
            outcome = await info.context.change_requests.reschedule(
                booking_id, starts_at, expected_revision
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return _outcome(outcome)

    @strawberry.mutation(
        description="Set a booking's notes (001's internal/external message fields): staff "
        "write the internal comment and the comment to the customer, customers and "
        "integrations the customer's note to the workshop. A note left out stays; an empty "
        "string clears it."
    )
    async def update_booking_notes(
        self,
        info: Info,
        booking_id: Annotated[strawberry.ID, strawberry.argument(description="Booking.")],
        internal_comment: Annotated[
            str | None,
            strawberry.argument(description="Staff's note, never shown to the customer."),
        ] = None,
        comment_to_customer: Annotated[
            str | None,
            strawberry.argument(description="Staff's comment to the customer (staff only)."),
        ] = None,
        customer_note: Annotated[
            str | None,
            strawberry.argument(description="The customer's note to the workshop."),
        ] = None,
        expected_revision: Annotated[
            int | None, strawberry.argument(description="Its revision as you read it.")
        ] = None,
    ) -> BookingChangeResult:
        try:
            outcome = await info.context.change_requests.update_notes(
                booking_id,
                {
                    "internalComment": internal_comment,
                    "commentToCustomer": comment_to_customer,
                    "customerNote": customer_note,
                },
                expected_revision,
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return _outcome(outcome)


@strawberry.type
class ChangeRequestMutations:
    """Staff decide the change requests."""

    @strawberry.mutation(description="Approve (apply atomically) or reject a change request.")
    async def decide_change_request(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Request.")],
        approve: Annotated[bool, strawberry.argument(description="True to apply it.")],
        note: Annotated[str | None, strawberry.argument(description="Why.")] = None,
    ) -> DecideChangeRequestResult:
        try:
            request, booking = await info.context.change_requests.decide(id, approve, note)
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return ChangeRequestDecided(
            change_request=ChangeRequest.from_domain(request),
            booking=Booking.from_domain(booking) if booking else None,
        )

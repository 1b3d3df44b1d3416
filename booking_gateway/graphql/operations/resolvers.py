from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from booking_gateway.domain import operations as ops
from booking_gateway.domain.errors import DomainError
from booking_gateway.domain.models import BookingStatus
from booking_gateway.graphql.bookings.types import Booking, BookingMessage
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import error_member
from booking_gateway.graphql.operations.types import (
    AttachmentInput,
    BookingChangeResult,
    BookingConnection,
    BookingEdge,
    BookingFilterInput,
    BookingGroup,
    BookingGroupPage,
    BookingsChanged,
    BookingTargetInput,
    ChangeRequest,
    ChangeRequestDecided,
    ChangeRequested,
    ChangeRequestPage,
    DecideChangeRequestResult,
    MessagePosted,
    PageInfo,
    ParticipantInput,
    PostBookingMessageResult,
    ServiceRecord,
    TransitionBookingsResult,
    TransitionBookingsSuccess,
    UpdateBookingResult,
)
from booking_gateway.services.operations import ApplyTo, FilterInput, TransitionInput

Info = strawberry.Info[Context, None]


def _filter(given: BookingFilterInput | None) -> FilterInput:
    return (given or BookingFilterInput()).to_domain()


@strawberry.type
class OperationsQueries:
    @strawberry.field(description="Bookings grouped by group id, page by page (002 list).")
    async def booking_groups(
        self,
        info: Info,
        filter: Annotated[
            BookingFilterInput | None, strawberry.argument(description="Filters.")
        ] = None,
        page: Annotated[int, strawberry.argument(description="From 1.")] = 1,
        page_size: Annotated[int, strawberry.argument(description="1-200.")] = 20,
    ) -> BookingGroupPage:
        found = await info.context.operations.groups(_filter(filter), page, page_size)
        return BookingGroupPage(
            total=found.total,
            page=found.page,
            page_size=found.page_size,
            items=[BookingGroup.from_domain(g) for g in found.items],
        )

    @strawberry.field(description="One group (order/visit) by id, or null.")
    async def booking_group(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="Group id."),
        ],
    ) -> BookingGroup | None:
        found = await info.context.operations.group(id)
        return BookingGroup.from_domain(found) if found else None

    @strawberry.field(
        description="Bookings in (start, id) order with cursors, for "
        "integrations paging through large sets."
    )
    async def bookings_connection(
        self,
        info: Info,
        filter: Annotated[
            BookingFilterInput | None, strawberry.argument(description="Filters.")
        ] = None,
        first: Annotated[int, strawberry.argument(description="Page size, 1-200.")] = 50,
        after: Annotated[
            str | None, strawberry.argument(description="endCursor of the previous page.")
        ] = None,
    ) -> BookingConnection:
        found = await info.context.operations.slice(_filter(filter), first, after)
        edges = [BookingEdge(cursor=c, node=Booking.from_domain(b)) for c, b in found.items]
        return BookingConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=found.has_next, end_cursor=edges[-1].cursor if edges else after
            ),
        )

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
        found = await info.context.operations.change_requests(status, page, page_size)
        return ChangeRequestPage(
            total=found.total,
            page=found.page,
            page_size=found.page_size,
            items=[ChangeRequest.from_domain(r) for r in found.items],
        )

    @strawberry.field(description="Completed services of a vehicle, newest first.")
    async def vehicle_service_history(
        self, info: Info, vin: Annotated[str, strawberry.argument(description="The VIN.")]
    ) -> list[ServiceRecord]:
        found = await info.context.operations.service_history(vin)
        return [ServiceRecord.from_domain(r) for r in found]


async def _transition(
    info: Info, target: BookingTargetInput, to: BookingStatus, **extra: object
) -> TransitionBookingsResult:
    try:
        changed = await info.context.operations.transition(
            TransitionInput(target=target.to_domain(), to=to, **extra)  # type: ignore[arg-type]
        )
    except DomainError as exc:
        return error_member(exc)  # type: ignore[return-value]
    return TransitionBookingsSuccess(bookings=[Booking.from_domain(b) for b in changed])


def _outcome(outcome: ops.ChangeOutcome) -> BookingChangeResult:
    if outcome.request is not None:
        return ChangeRequested(change_request=ChangeRequest.from_domain(outcome.request))
    return BookingsChanged(bookings=[Booking.from_domain(b) for b in outcome.bookings])


@strawberry.type
class OperationsMutations:
    @strawberry.mutation(
        description="Move one booking, or a group (all lines or only those in "
        "`inState`), to a status. Staff only. Deleting is impossible: cancel."
    )
    async def transition_bookings(
        self,
        info: Info,
        target: Annotated[BookingTargetInput, strawberry.argument(description="What.")],
        to: Annotated[BookingStatus, strawberry.argument(description="New status.")],
        apply_to: Annotated[ApplyTo, strawberry.argument(description="Group lines.")] = (
            ApplyTo.ALL
        ),
        in_state: Annotated[
            BookingStatus | None, strawberry.argument(description="With IN_STATE.")
        ] = None,
        expected_revision: Annotated[
            int | None, strawberry.argument(description="Single booking: its revision.")
        ] = None,
        reason: Annotated[str | None, strawberry.argument(description="Why.")] = None,
    ) -> TransitionBookingsResult:
        return await _transition(
            info,
            target,
            to,
            apply_to=apply_to,
            in_state=in_state,
            expected_revision=expected_revision,
            reason=reason,
        )

    @strawberry.mutation(description="Confirm (optionally overriding the estimated duration).")
    async def confirm_bookings(
        self,
        info: Info,
        target: Annotated[BookingTargetInput, strawberry.argument(description="What.")],
        duration_minutes: Annotated[
            int | None, strawberry.argument(description="Estimated duration override.")
        ] = None,
        expected_revision: Annotated[
            int | None, strawberry.argument(description="Single booking: its revision.")
        ] = None,
    ) -> TransitionBookingsResult:
        return await _transition(
            info,
            target,
            BookingStatus.CONFIRMED,
            duration_minutes=duration_minutes,
            expected_revision=expected_revision,
        )

    @strawberry.mutation(description="Work started.")
    async def start_bookings(
        self,
        info: Info,
        target: Annotated[BookingTargetInput, strawberry.argument(description="What.")],
    ) -> TransitionBookingsResult:
        return await _transition(info, target, BookingStatus.IN_PROGRESS)

    @strawberry.mutation(description="Work done; writes the vehicle's service history.")
    async def complete_bookings(
        self,
        info: Info,
        target: Annotated[BookingTargetInput, strawberry.argument(description="What.")],
        summary: Annotated[str | None, strawberry.argument(description="What was done.")] = None,
    ) -> TransitionBookingsResult:
        return await _transition(info, target, BookingStatus.COMPLETED, summary=summary)

    @strawberry.mutation(description="The customer did not come.")
    async def mark_no_show(
        self,
        info: Info,
        target: Annotated[BookingTargetInput, strawberry.argument(description="What.")],
    ) -> TransitionBookingsResult:
        return await _transition(info, target, BookingStatus.NO_SHOW)

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
            outcome = await info.context.operations.cancel(
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
            outcome = await info.context.operations.reschedule(
                booking_id, starts_at, expected_revision
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return _outcome(outcome)

    @strawberry.mutation(
        description="Set the internal comment (staff) and the comment to the "
        "customer (001's internal/external message fields)."
    )
    async def update_booking_notes(
        self,
        info: Info,
        booking_id: Annotated[strawberry.ID, strawberry.argument(description="Booking.")],
        internal_comment: Annotated[
            str | None, strawberry.argument(description="Staff only.")
        ] = None,
        comment_to_customer: Annotated[
            str | None, strawberry.argument(description="Shown to the customer.")
        ] = None,
        expected_revision: Annotated[
            int | None, strawberry.argument(description="Its revision as you read it.")
        ] = None,
    ) -> BookingChangeResult:
        try:
            outcome = await info.context.operations.update_notes(
                booking_id, internal_comment, comment_to_customer, expected_revision
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return _outcome(outcome)

    @strawberry.mutation(description="Replace the participants (staff).")
    async def set_booking_participants(
        self,
        info: Info,
        booking_id: Annotated[strawberry.ID, strawberry.argument(description="Booking.")],
        participants: Annotated[
            list[ParticipantInput], strawberry.argument(description="At most 20.")
        ],
        expected_revision: Annotated[
            int | None, strawberry.argument(description="Its revision as you read it.")
        ] = None,
    ) -> UpdateBookingResult:
        try:
            changed = await info.context.operations.set_participants(
                booking_id,
                [{"personId": p.person_id, "name": p.name, "role": p.role} for p in participants],
                expected_revision,
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return BookingsChanged(bookings=[Booking.from_domain(changed)])

    @strawberry.mutation(
        description="Post to a booking's thread. Attachments: at most 3, "
        "32 KiB each, PNG, JPEG, PDF or plain text."
    )
    async def post_booking_message(
        self,
        info: Info,
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
            message = await info.context.operations.post_message(
                booking_id,
                body,
                internal,
                [(a.filename, a.content_type, a.data_base64) for a in attachments or []],
            )
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return MessagePosted(message=BookingMessage.from_domain(message))

    @strawberry.mutation(description="Approve (apply atomically) or reject a change request.")
    async def decide_change_request(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Request.")],
        approve: Annotated[bool, strawberry.argument(description="True to apply it.")],
        note: Annotated[str | None, strawberry.argument(description="Why.")] = None,
    ) -> DecideChangeRequestResult:
        try:
            request, booking = await info.context.operations.decide(id, approve, note)
        except DomainError as exc:
            return error_member(exc)  # type: ignore[return-value]
        return ChangeRequestDecided(
            change_request=ChangeRequest.from_domain(request),
            booking=Booking.from_domain(booking) if booking else None,
        )

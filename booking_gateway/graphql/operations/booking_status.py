from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from booking_gateway.domain.errors import DomainError
from booking_gateway.domain.models import BookingStatus
from booking_gateway.graphql.bookings.types import Booking
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import error_member
from booking_gateway.graphql.operations.types import (
    BookingTargetInput,
    TransitionBookingsResult,
    TransitionBookingsSuccess,
)
from booking_gateway.services.booking_status import TransitionInput
from booking_gateway.services.operations import ApplyTo

Info = strawberry.Info[Context, None]


async def _transition(
    info: Info, target: BookingTargetInput, to: BookingStatus, **extra: object
) -> TransitionBookingsResult:
    try:
        changed = await info.context.booking_status.transition(
            TransitionInput(target=target.to_domain(), to=to, **extra)  # type: ignore[arg-type]
        )
    except DomainError as exc:
        return error_member(exc)  # type: ignore[return-value]
    return TransitionBookingsSuccess(bookings=[Booking.from_domain(b) for b in changed])


@strawberry.type
class BookingStatusMutations:
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
            int | None,
            strawberry.argument(
                description="Staff's estimate for one line (target its bookingId), 1-1440: "
                "the line is re-placed for it, and the lines after it in the visit move along "
                "so nothing overlaps."
            ),
        ] = None,
        starts_at: Annotated[
            datetime | None,
            strawberry.argument(
                description="A new start for the named line (a group: for its first line); "
                "the whole visit moves with it, atomically, or nothing moves "
                "(SlotUnavailableError names the blocking rule)."
            ),
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
            starts_at=starts_at,
            expected_revision=expected_revision,
        )

    @strawberry.mutation(
        description="Decline a pending request (MinBil): the lines become CANCELLED with the "
        "reason kept and the message to the customer on the booking. Staff only; only "
        "PENDING lines can be declined."
    )
    async def decline_bookings(
        self,
        info: Info,
        target: Annotated[BookingTargetInput, strawberry.argument(description="What.")],
        reason: Annotated[str, strawberry.argument(description="Why (kept on the booking).")],
        message_to_customer: Annotated[
            str | None, strawberry.argument(description="Sent to the customer.")
        ] = None,
    ) -> TransitionBookingsResult:
        return await _transition(
            info,
            target,
            BookingStatus.CANCELLED,
            reason=reason,
            message_to_customer=message_to_customer,
            only_from=BookingStatus.PENDING,
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

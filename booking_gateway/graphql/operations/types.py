from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from booking_gateway.domain import operations as ops
from booking_gateway.domain.models import BookingStatus
from booking_gateway.graphql.bookings.types import Booking, BookingMessage
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import (
    CancellationWindowClosedError,
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    RevisionMismatchError,
    SlotUnavailableError,
    ValidationError,
)
from booking_gateway.services.booking_lists import FilterInput
from booking_gateway.services.operations import Target


@strawberry.input(description="001-style filters. Dates are local appointment dates.")
class BookingFilterInput:
    from_: date | None = strawberry.field(
        default=None, name="from", description="First date (default: today)."
    )
    to: date | None = strawberry.field(
        default=None, description="Last date (default: from + 14 days; at most 366 days)."
    )
    workshop_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Business units."
    )
    statuses: list[BookingStatus] = strawberry.field(default_factory=list, description="Any of.")
    vin: str | None = strawberry.field(default=None, description="One vehicle.")
    group_id: strawberry.ID | None = strawberry.field(default=None, description="One order.")
    resource_id: strawberry.ID | None = strawberry.field(default=None, description="Resource.")
    mine: bool = strawberry.field(
        default=False, description="Only bookings where the token's person is the resource."
    )

    def to_domain(self) -> FilterInput:
        def at(day: date | None) -> datetime | None:
            return datetime(day.year, day.month, day.day) if day else None  # noqa: DTZ001

        return FilterInput(
            date_from=at(self.from_),
            date_to=at(self.to),
            workshop_ids=[str(w) for w in self.workshop_ids],
            statuses=list(self.statuses),
            vin=self.vin,
            group_id=self.group_id,
            resource_id=self.resource_id,
            mine=self.mine,
        )


@strawberry.input(description="One booking, or every line of a group (exactly one of them).")
class BookingTargetInput:
    booking_id: strawberry.ID | None = strawberry.field(default=None, description="Booking.")
    group_id: strawberry.ID | None = strawberry.field(default=None, description="Group.")

    def to_domain(self) -> Target:
        return Target(booking_id=self.booking_id, group_id=self.group_id)


@strawberry.type(description="The bookings of one visit/order.")
class BookingGroup:
    group_id: strawberry.ID = strawberry.field(
        description="Group id (a single booking's id when it has no group)."
    )
    bookings: list[Booking] = strawberry.field(description="Its lines, by start.")

    @classmethod
    def from_domain(cls, g: ops.BookingGroup) -> BookingGroup:
        return cls(
            group_id=strawberry.ID(g.group_id),
            bookings=[Booking.from_domain(b) for b in g.bookings],
        )


@strawberry.type(description="One page of groups (002 list paging).")
class BookingGroupPage:
    page: int = strawberry.field(description="This page, from 1.")
    page_size: int = strawberry.field(description="Groups per page.")
    has_next_page: bool = strawberry.field(description="Another page follows.")
    items: list[BookingGroup] = strawberry.field(
        description="The groups, each by its first matching booking in (start, id) order."
    )
    filter: strawberry.Private[FilterInput]

    @strawberry.field(
        description="Groups matching the filter, on all pages. Counted only when asked for: "
        "it reads every matching booking of the date range, while a page costs only the "
        "bookings up to its end. Page with `hasNextPage` where the count is not shown."
    )
    async def total(self, info: strawberry.Info[Context, None]) -> int:
        return await info.context.booking_lists.count_groups(self.filter)


@strawberry.type(description="A booking and its cursor.")
class BookingEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after it.")
    node: Booking = strawberry.field(description="The booking.")


@strawberry.type(description="Where a cursor page ends.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More follow.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge.")


@strawberry.type(description="Bookings in (start, id) order, for integrations paging far.")
class BookingConnection:
    edges: list[BookingEdge] = strawberry.field(description="This page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")


@strawberry.type(description="A change a customer-side token asked for, waiting for staff.")
class ChangeRequest:
    id: strawberry.ID = strawberry.field(description="Request id.")
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    kind: ops.ChangeKind = strawberry.field(description="What is asked.")
    payload: JSON = strawberry.field(description="The change's values.")
    status: ops.ChangeRequestStatus = strawberry.field(description="Pending or decided.")
    requested_by: str = strawberry.field(description="Requester's `sub`.")
    requested_at: datetime = strawberry.field(description="When (UTC).")
    decided_by: str | None = strawberry.field(description="Decider's `sub`.")
    decided_at: datetime | None = strawberry.field(description="When decided (UTC).")
    decision_note: str | None = strawberry.field(description="Why.")

    @classmethod
    def from_domain(cls, r: ops.ChangeRequest) -> ChangeRequest:
        return cls(
            id=strawberry.ID(r.id),
            booking_id=strawberry.ID(r.booking_id),
            kind=r.kind,
            payload=cast(JSON, dict(r.payload)),
            status=r.status,
            requested_by=r.requested_by,
            requested_at=r.requested_at,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_note=r.decision_note,
        )


@strawberry.type(description="A page of change requests.")
class ChangeRequestPage:
    page: int = strawberry.field(description="This page, from 1.")
    page_size: int = strawberry.field(description="Per page.")
    has_next_page: bool = strawberry.field(description="Another page follows.")
    items: list[ChangeRequest] = strawberry.field(description="Oldest first.")
    status: strawberry.Private[ops.ChangeRequestStatus | None]

    @strawberry.field(description="Requests matching, on all pages; counted only when asked for.")
    async def total(self, info: strawberry.Info[Context, None]) -> int:
        return await info.context.change_requests.count(self.status)


@strawberry.type(description="A completed service of a vehicle.")
class ServiceRecord:
    id: strawberry.ID = strawberry.field(description="Record id.")
    vin: str = strawberry.field(description="The vehicle.")
    booking_id: strawberry.ID = strawberry.field(description="The completed booking.")
    completed_at: datetime = strawberry.field(description="When (UTC).")
    workshop_id: strawberry.ID | None = strawberry.field(description="Where.")
    service_id: strawberry.ID | None = strawberry.field(description="Which service.")
    summary: str | None = strawberry.field(description="What was done.")

    @classmethod
    def from_domain(cls, r: ops.ServiceRecord) -> ServiceRecord:
        return cls(
            id=strawberry.ID(r.id),
            vin=r.vin,
            booking_id=strawberry.ID(r.booking_id),
            completed_at=r.completed_at,
            workshop_id=strawberry.ID(r.workshop_id) if r.workshop_id else None,
            service_id=strawberry.ID(r.service_id) if r.service_id else None,
            summary=r.summary,
        )


@strawberry.type(description="The bookings after the transition.")
class TransitionBookingsSuccess:
    bookings: list[Booking] = strawberry.field(
        description="Changed lines (or the unchanged target when nothing had to change)."
    )


@strawberry.type(description="The change was applied.")
class BookingsChanged:
    bookings: list[Booking] = strawberry.field(description="The changed bookings now.")


@strawberry.type(description="The change waits for staff approval (tenant policy).")
class ChangeRequested:
    change_request: ChangeRequest = strawberry.field(description="The pending request.")


@strawberry.type(description="The message was posted.")
class MessagePosted:
    message: BookingMessage = strawberry.field(description="The message.")


@strawberry.type(description="The request was decided (and, if approved, applied).")
class ChangeRequestDecided:
    change_request: ChangeRequest = strawberry.field(description="The decided request.")
    booking: Booking | None = strawberry.field(description="The booking after the change.")


TransitionBookingsResult = Annotated[
    TransitionBookingsSuccess
    | InvalidTransitionError
    | RevisionMismatchError
    | SlotUnavailableError
    | NotFoundError
    | ValidationError,
    strawberry.union("TransitionBookingsResult", description="The bookings, or why not."),
]
BookingChangeResult = Annotated[
    BookingsChanged
    | ChangeRequested
    | CancellationWindowClosedError
    | SlotUnavailableError
    | InvalidTransitionError
    | RevisionMismatchError
    | NotFoundError
    | ValidationError
    | ConflictError,
    strawberry.union("BookingChangeResult", description="Applied, requested, or why not."),
]
UpdateBookingResult = Annotated[
    BookingsChanged | RevisionMismatchError | NotFoundError | ValidationError,
    strawberry.union("UpdateBookingResult", description="The booking, or why not."),
]
PostBookingMessageResult = Annotated[
    MessagePosted | NotFoundError | ValidationError,
    strawberry.union("PostBookingMessageResult", description="The message, or why not."),
]
DecideChangeRequestResult = Annotated[
    ChangeRequestDecided
    | SlotUnavailableError
    | InvalidTransitionError
    | NotFoundError
    | ConflictError
    | ValidationError,
    strawberry.union("DecideChangeRequestResult", description="Decided, or why not."),
]


@strawberry.input(description="A person on a booking: by id, by name, or both.")
class ParticipantInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A participant's id as read: keeps its identity; new if left out."
    )
    person_id: str | None = strawberry.field(default=None, description="Person id.")
    first_name: str | None = strawberry.field(default=None, description="First name (BRP).")
    last_name: str | None = strawberry.field(default=None, description="Last name (BRP).")
    name: str | None = strawberry.field(
        default=None, description="Free-text name (default: first and last name)."
    )
    role: str | None = strawberry.field(default=None, description="Role.")


@strawberry.input(description="A small file.")
class AttachmentInput:
    filename: str = strawberry.field(description="File name.")
    content_type: str = strawberry.field(
        description="image/png, image/jpeg, application/pdf or text/plain."
    )
    data_base64: str = strawberry.field(description="Content, base64.")

from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.graphql.bookings.types import Booking
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.operations.types import (
    BookingConnection,
    BookingEdge,
    BookingFilterInput,
    BookingGroup,
    BookingGroupPage,
    PageInfo,
)
from booking_gateway.services.booking_lists import FilterInput

Info = strawberry.Info[Context, None]


def _filter(given: BookingFilterInput | None) -> FilterInput:
    return (given or BookingFilterInput()).to_domain()


@strawberry.type
class BookingListQueries:
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
        given = _filter(filter)
        found = await info.context.booking_lists.groups(given, page, page_size)
        return BookingGroupPage(
            page=found.page,
            page_size=found.page_size,
            has_next_page=found.has_next,
            items=[BookingGroup.from_domain(g) for g in found.items],
            filter=given,
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
        found = await info.context.booking_lists.group(id)
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
        found = await info.context.booking_lists.slice(_filter(filter), first, after)
        edges = [BookingEdge(cursor=c, node=Booking.from_domain(b)) for c, b in found.items]
        return BookingConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=found.has_next, end_cursor=edges[-1].cursor if edges else after
            ),
        )

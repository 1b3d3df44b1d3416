from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.graphql.bookings.types import AuditEvent
from booking_gateway.graphql.context import Context
from booking_gateway.services.feed import MAX_PAGE_SIZE, FeedItem

DEFAULT_PAGE_SIZE = 100


@strawberry.type(description="One event of the change feed.")
class ChangeFeedEvent:
    cursor: str = strawberry.field(
        description="Opaque position of this event: pass it as `after` to continue after it."
    )
    booking_id: strawberry.ID = strawberry.field(description="The booking the event belongs to.")
    event: AuditEvent = strawberry.field(description="What was written, by whom and when.")

    @classmethod
    def from_domain(cls, item: FeedItem) -> ChangeFeedEvent:
        return cls(
            cursor=item.cursor,
            booking_id=strawberry.ID(item.event.booking_id),
            event=AuditEvent.from_domain(item.event),
        )


@strawberry.type(description="A page of the change feed.")
class ChangeFeedPage:
    events: list[ChangeFeedEvent] = strawberry.field(
        description="Events after the cursor, oldest first; none is ever returned twice."
    )
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page: the last event's cursor, or the given "
        "cursor when the page is empty (poll with it); null only for an empty feed read from "
        "the beginning."
    )
    has_more: bool = strawberry.field(
        description="More events can be read right away; when false, poll later with `endCursor`."
    )


@strawberry.type
class FeedQueries:
    @strawberry.field(
        description="The tenant's audit events (a workshop token: its workshop's bookings) in a "
        "stable order, after a cursor. Resuming from the last `endCursor` misses no event, also "
        "when writes commit out of order: an event is held back until no earlier one can still "
        "appear. Needs `bookings:read`."
    )
    async def change_feed(
        self,
        info: strawberry.Info[Context, None],
        after: Annotated[
            str | None,
            strawberry.argument(
                description="`endCursor` (or an event's `cursor`) of an earlier page; null to "
                "start from the first event."
            ),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description=f"Page size, 1 to {MAX_PAGE_SIZE}.")
        ] = DEFAULT_PAGE_SIZE,
    ) -> ChangeFeedPage:
        page = await info.context.feed.page(after, first)
        return ChangeFeedPage(
            events=[ChangeFeedEvent.from_domain(item) for item in page.entries],
            end_cursor=page.end_cursor,
            has_more=page.has_more,
        )

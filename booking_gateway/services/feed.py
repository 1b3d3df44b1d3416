"""The tenant-wide change feed: pages of audit events after an opaque cursor.

A cursor is the position ``(txid, id)`` of an event (see ``db.repositories.feed`` for why that
order never skips an event), urlsafe base64 without padding. Only the exact text this service
produced decodes; anything else is a ``ValidationFailed`` on ``after``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from booking_gateway.db.repositories.feed import FEED_START
from booking_gateway.domain.models import AuditEvent
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.validation import Problems
from booking_gateway.services.ports import FeedRepository

MAX_PAGE_SIZE = 1000
MAX_CURSOR_LENGTH = 64
_BIGINT_MAX = 2**63 - 1
_POSITION_RE = re.compile(r"(0|[1-9][0-9]{0,18}):(0|[1-9][0-9]{0,18})")


def encode_cursor(position: tuple[int, int]) -> str:
    txid, event_id = position
    return base64.urlsafe_b64encode(f"{txid}:{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int] | None:
    """The position in a cursor, or None when it is not one this feed returned."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        return None
    match = _POSITION_RE.fullmatch(raw.decode("ascii", errors="replace"))
    if match is None:
        return None
    position = (int(match[1]), int(match[2]))
    if max(position) > _BIGINT_MAX or encode_cursor(position) != cursor:
        return None
    return position


@dataclass(frozen=True, slots=True)
class FeedItem:
    cursor: str
    event: AuditEvent


@dataclass(frozen=True, slots=True)
class FeedPage:
    entries: list[FeedItem]
    # The last entry's cursor; the given one when the page is empty (keep polling with it).
    end_cursor: str | None
    has_more: bool


class ChangeFeedService:
    def __init__(self, feed: FeedRepository, principal: Principal) -> None:
        self._feed = feed
        self._principal = principal

    async def page(self, after: str | None, first: int) -> FeedPage:
        """Up to ``first`` events after the cursor (from the beginning without one).
        ``has_more`` says another page can be read right away."""
        self._principal.require(Scope.BOOKINGS_READ)
        p = Problems()
        if not 1 <= first <= MAX_PAGE_SIZE:
            p.add("first", f"must be between 1 and {MAX_PAGE_SIZE}")
        position = FEED_START
        if after is not None:
            decoded = decode_cursor(after)
            if decoded is None:
                p.add("after", "is not a cursor returned by this feed")
            else:
                position = decoded
        p.raise_if_any()
        found = await self._feed.after(*position, limit=first + 1)
        read = found[:first]
        items = []
        for entry in read:
            visible = entry.event.visible_to(self._principal)
            if visible is not None:  # staff's own events are skipped, not cut off
                items.append(FeedItem(encode_cursor(entry.position), visible))
        return FeedPage(
            entries=items,
            # The last event read, shown or not: the next page starts after it.
            end_cursor=encode_cursor(read[-1].position) if read else after,
            has_more=len(found) > first,
        )

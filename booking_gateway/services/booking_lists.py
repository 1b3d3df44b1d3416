"""Booking lists for workshop operations: bookings grouped by visit/order, page by page, one
group by id, and cursor pages in (start, id) order for integrations paging far."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from booking_gateway.domain.errors import FieldProblem, ValidationFailed
from booking_gateway.domain.models import Booking, BookingStatus
from booking_gateway.domain.operations import BookingFilter, BookingGroup, Page, Slice
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.validation import LATEST, Problems, in_range
from booking_gateway.services import Clock, UnitOfWork, utc_now
from booking_gateway.services.operations import MAX_PAGE_SIZE
from booking_gateway.services.ports import Repositories

MAX_RANGE_DAYS = 366


@dataclass(frozen=True, slots=True)
class FilterInput:
    date_from: datetime | None = None
    date_to: datetime | None = None
    workshop_ids: Sequence[str] = ()
    statuses: Sequence[BookingStatus] = ()
    vin: str | None = None
    group_id: str | None = None
    resource_id: str | None = None
    mine: bool = False


def encode_cursor(at: datetime, booking_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{booking_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, _, booking_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        moment = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed([FieldProblem("after", "is not a cursor of this list")]) from None
    if moment.tzinfo is None or not booking_id or not in_range(moment.date()):
        raise ValidationFailed([FieldProblem("after", "is not a cursor of this list")])
    return moment, booking_id


class BookingListService:
    def __init__(self, uow: UnitOfWork, principal: Principal, clock: Clock = utc_now) -> None:
        self._uow = uow
        self._principal = principal
        self._clock = clock

    async def groups(self, given: FilterInput, page: int, page_size: int) -> Page[BookingGroup]:
        self._principal.require(Scope.BOOKINGS_READ)
        p = Problems()
        if page < 1:
            p.add("page", "starts at 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            p.add("pageSize", f"must be between 1 and {MAX_PAGE_SIZE}")
        p.raise_if_any()
        repos = self._uow.read()
        found = await self._filter(repos, given)
        keys, has_next = await repos.bookings.group_page(found, (page - 1) * page_size, page_size)
        lines = await repos.bookings.in_groups(keys)
        grouped: dict[str, list[Booking]] = {key: [] for key in keys}
        for booking in lines:
            grouped[booking.group_key].append(booking)
        items = [BookingGroup(key, grouped[key]) for key in keys]
        return Page(items=items, page=page, page_size=page_size, has_next=has_next)

    async def count_groups(self, given: FilterInput) -> int:
        """The groups matching the filter, on all pages. Unlike a page, this reads every
        matching booking of the date range, so lists ask for it only when they show it."""
        self._principal.require(Scope.BOOKINGS_READ)
        repos = self._uow.read()
        return await repos.bookings.count_groups(await self._filter(repos, given))

    async def group(self, group_id: str) -> BookingGroup | None:
        self._principal.require(Scope.BOOKINGS_READ)
        lines = await self._uow.read().bookings.in_groups([group_id])
        return BookingGroup(group_id, lines) if lines else None

    async def slice(self, given: FilterInput, first: int, after: str | None) -> Slice[Booking]:
        self._principal.require(Scope.BOOKINGS_READ)
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise ValidationFailed([FieldProblem("first", f"must be 1-{MAX_PAGE_SIZE}")])
        position = decode_cursor(after) if after else None
        repos = self._uow.read()
        found = await repos.bookings.slice(await self._filter(repos, given), position, first + 1)
        return Slice(
            items=[(encode_cursor(at, b.id), b) for at, b in found[:first]],
            has_next=len(found) > first,
        )

    async def _filter(self, repos: Repositories, given: FilterInput) -> BookingFilter:
        p = Problems()
        today = self._clock().astimezone(UTC).date()
        start = p.day("filter.from", given.date_from.date() if given.date_from else today)
        end = p.day("filter.to", given.date_to.date() if given.date_to else None)
        p.raise_if_any()
        start = start or today
        end = end or min(start + timedelta(days=14), LATEST)
        if end < start:
            p.add("filter.to", "must not be before from")
        elif (end - start).days > MAX_RANGE_DAYS:
            p.add("filter.to", f"the range may span at most {MAX_RANGE_DAYS} days")
        vin = p.vin("filter.vin", given.vin) if given.vin else None
        p.raise_if_any()
        resource_ids: list[str] | None = None
        if given.mine:
            resource_ids = await repos.resources.ids_of_subject(self._principal.subject)
        if given.resource_id is not None:
            resource_ids = [
                r for r in (resource_ids or [given.resource_id]) if r == given.resource_id
            ]
        return BookingFilter(
            date_from=start,
            date_to=end,
            workshop_ids=given.workshop_ids,
            statuses=given.statuses,
            vin=vin,
            group_id=given.group_id,
            resource_ids=resource_ids,
        )

"""In-memory repositories with the same methods as the SQL ones, for service unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from booking_gateway.domain.dealer_import import (
    CancelContext,
    ImportContext,
    ImportLookup,
    WorkshopLink,
)
from booking_gateway.domain.errors import Conflict
from booking_gateway.domain.models import (
    AuditEvent,
    Booking,
    BookingStatus,
    TenantSettings,
    Workshop,
)


@dataclass
class FakeBookings:
    rows: dict[str, Booking] = field(default_factory=dict)

    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking | None:
        return self.rows.get(booking_id)

    async def get_by_key(self, source: str, external_id: str, **_: Any) -> Booking | None:
        return next(
            (b for b in self.rows.values() if (b.source, b.external_id) == (source, external_id)),
            None,
        )

    async def find_by_external_id(
        self, external_id: str, source: str | None = None, **_: Any
    ) -> list[Booking]:
        return [
            b
            for b in self.rows.values()
            if b.external_id == external_id and source in (None, b.source)
        ]

    async def active_for_vehicle(self, vin: str, *, exclude: str | None = None) -> Booking | None:
        ended = (BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
        return next(
            (
                b
                for b in self.rows.values()
                if b.vin == vin and b.id != exclude and b.status not in ended
            ),
            None,
        )

    async def insert_if_absent(self, booking: Booking) -> bool:
        assert booking.source is not None
        assert booking.external_id is not None
        if await self.get_by_key(booking.source, booking.external_id):
            return False
        self.rows[booking.id] = booking
        return True

    async def update(self, booking: Booking, *, expected_revision: int) -> None:
        if self.rows[booking.id].revision != expected_revision:
            raise Conflict("stale")
        self.rows[booking.id] = booking


@dataclass
class FakeTenants:
    current: TenantSettings = field(default_factory=TenantSettings)
    locks: int = 0

    async def settings(self) -> TenantSettings:
        return self.current

    async def save_settings(self, settings: TenantSettings, now: datetime) -> None:
        self.current = settings

    async def lock(self) -> None:
        self.locks += 1


@dataclass
class FakeWorkshops:
    rows: dict[str, Workshop] = field(default_factory=dict)

    async def get(self, workshop_id: str) -> Workshop | None:
        return self.rows.get(workshop_id)

    async def by_dealer_number(self, dealer_number: str) -> Workshop | None:
        return next((w for w in self.rows.values() if w.dealer_number == dealer_number), None)


@dataclass
class FakeAudit:
    events: list[AuditEvent] = field(default_factory=list)

    async def append(self, event: AuditEvent) -> None:
        self.events.append(event)


def _link(workshop: Workshop | None) -> WorkshopLink | None:
    return WorkshopLink(workshop.id, workshop.time_zone) if workshop else None


@dataclass
class FakeDealerImport:
    """The dealer import's repository over the fakes above (one tenant, no workshop scope on
    the fakes' rows: ``own_workshop`` narrows the workshop lookups as the SQL scope does)."""

    bookings: FakeBookings
    tenants: FakeTenants
    workshops: FakeWorkshops
    audit: FakeAudit

    def _visible(self, workshop_id: str | None, own: str | None) -> Workshop | None:
        workshop = self.workshops.rows.get(workshop_id) if workshop_id else None
        return workshop if workshop and own in (None, workshop.id) else None

    async def context(self, lookup: ImportLookup) -> ImportContext:
        existing = await self.bookings.get_by_key(lookup.source, lookup.external_id)
        ref = existing.external_workshop_id if lookup.keep_workshop_ref and existing else None
        return ImportContext(
            settings=self.tenants.current,
            existing=existing,
            by_ref=_link(self._visible(ref or lookup.workshop_ref, lookup.own_workshop)),
            by_dealer=_link(await self.workshops.by_dealer_number(lookup.dealer)),
            own=_link(self._visible(lookup.own_workshop, lookup.own_workshop)),
        )

    async def cancel_context(self, external_id: str, source: str | None) -> CancelContext:
        return CancelContext(
            self.tenants.current, await self.bookings.find_by_external_id(external_id, source)
        )

    async def insert(self, booking: Booking, event: AuditEvent) -> bool:
        if not await self.bookings.insert_if_absent(booking):
            return False
        await self.audit.append(event)
        return True

    async def update(self, booking: Booking, expected_revision: int, event: AuditEvent) -> bool:
        if self.bookings.rows[booking.id].revision != expected_revision:
            return False
        self.bookings.rows[booking.id] = booking
        await self.audit.append(event)
        return True


@dataclass
class FakeUnitOfWork:
    bookings: FakeBookings = field(default_factory=FakeBookings)
    tenants: FakeTenants = field(default_factory=FakeTenants)
    workshops: FakeWorkshops = field(default_factory=FakeWorkshops)
    audit: FakeAudit = field(default_factory=FakeAudit)
    commits: int = 0

    @property
    def dealer_import(self) -> FakeDealerImport:
        return FakeDealerImport(self.bookings, self.tenants, self.workshops, self.audit)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Any]:
        # Writes are applied in place; a failing block simply raises (tests check state).
        yield self
        self.commits += 1

    def read(self) -> Any:
        return self

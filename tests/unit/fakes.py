"""In-memory repositories for service unit tests.

They implement the services' protocols (``booking_gateway.services.ports``), the same ones the SQL
repositories implement, and mypy checks them against those: ``FakeUnitOfWork`` is a
``UnitOfWork`` whose ``Repositories`` are itself. What no unit test needs yet raises
``NotImplementedError`` (write the fake when a test needs it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from booking_gateway.domain.dealer_import import (
    CancelContext,
    ImportConfig,
    ImportContext,
    ImportLookup,
    Inserted,
    InsertResult,
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
from booking_gateway.domain.operations import BookingFilter
from booking_gateway.services.ports import (
    AllocationRepository,
    ChangeRequestRepository,
    CustomerRepository,
    FeedRepository,
    MessageRepository,
    Repositories,
    ReservationRepository,
    ResourceRepository,
    ServiceGroupRepository,
    ServiceHistoryRepository,
    ServiceRepository,
)


def _no_fake(what: str) -> NotImplementedError:
    return NotImplementedError(f"no in-memory fake for {what} yet")


@dataclass
class FakeBookings:
    rows: dict[str, Booking] = field(default_factory=dict)

    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking | None:
        return self.rows.get(booking_id)

    async def get_by_key(
        self, source: str, external_id: str, *, for_update: bool = False
    ) -> Booking | None:
        return next(
            (b for b in self.rows.values() if (b.source, b.external_id) == (source, external_id)),
            None,
        )

    async def find_by_external_id(
        self, external_id: str, source: str | None = None, *, for_update: bool = False
    ) -> list[Booking]:
        return [
            b
            for b in self.rows.values()
            if b.external_id == external_id and source in (None, b.source)
        ]

    async def active_for_vehicle(
        self, vin: str, *, since: date, exclude: str | None = None
    ) -> Booking | None:
        ended = (BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
        return next(
            (
                b
                for b in self.rows.values()
                if b.vin == vin
                and b.id != exclude
                and b.status not in ended
                and b.appointment.local_date >= since
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

    async def add(self, booking: Booking) -> None:
        raise _no_fake("BookingRepository.add")

    async def in_group(self, group_id: str) -> list[Booking]:
        raise _no_fake("BookingRepository.in_group")

    async def in_groups(self, keys: list[str], *, for_update: bool = False) -> list[Booking]:
        raise _no_fake("BookingRepository.in_groups")

    async def of_workshop(self, workshop_id: str) -> list[Booking]:
        raise _no_fake("BookingRepository.of_workshop")

    async def group_page(self, f: BookingFilter, offset: int, limit: int) -> tuple[list[str], bool]:
        raise _no_fake("BookingRepository.group_page")

    async def count_groups(self, f: BookingFilter) -> int:
        raise _no_fake("BookingRepository.count_groups")

    async def slice(
        self, f: BookingFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[tuple[datetime, Booking]]:
        raise _no_fake("BookingRepository.slice")


@dataclass
class FakeTenants:
    current: TenantSettings = field(default_factory=TenantSettings)
    locks: int = 0
    orders: int = 0

    async def settings(self) -> TenantSettings:
        return self.current

    async def save_settings(self, settings: TenantSettings, now: datetime) -> None:
        self.current = settings

    async def next_order_number(self, now: datetime) -> int:
        self.orders += 1
        return self.orders

    async def lock(self, *, create_at: datetime | None = None) -> None:
        self.locks += 1


@dataclass
class FakeWorkshops:
    rows: dict[str, Workshop] = field(default_factory=dict)

    async def get(self, workshop_id: str) -> Workshop | None:
        return self.rows.get(workshop_id)

    async def by_dealer_number(self, dealer_number: str) -> Workshop | None:
        return next((w for w in self.rows.values() if w.dealer_number == dealer_number), None)

    async def get_many(self, ids: Sequence[str]) -> list[Workshop]:
        raise _no_fake("WorkshopRepository.get_many")

    async def list_all(self) -> list[Workshop]:
        raise _no_fake("WorkshopRepository.list_all")

    async def add(self, workshop: Workshop) -> bool:
        raise _no_fake("WorkshopRepository.add")

    async def update(self, workshop: Workshop) -> None:
        raise _no_fake("WorkshopRepository.update")


@dataclass
class FakeAudit:
    events: list[AuditEvent] = field(default_factory=list)

    async def append(self, event: AuditEvent) -> None:
        self.events.append(event)

    async def for_booking(self, booking_id: str) -> list[AuditEvent]:
        raise _no_fake("AuditRepository.for_booking")


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

    def cached_config(self, lookup: ImportLookup) -> ImportConfig | None:
        return None  # every push reads its configuration

    async def context(self, lookup: ImportLookup) -> ImportContext:
        existing = await self.bookings.get_by_key(lookup.source, lookup.external_id)
        ref = existing.external_workshop_id if lookup.keep_workshop_ref and existing else None
        config = ImportConfig(
            settings=self.tenants.current,
            by_ref=_link(self._visible(ref or lookup.workshop_ref, lookup.own_workshop)),
            by_dealer=_link(await self.workshops.by_dealer_number(lookup.dealer)),
            own=_link(self._visible(lookup.own_workshop, lookup.own_workshop)),
            revision=0,
        )
        return ImportContext(config, existing)

    async def current_revision(self) -> int:
        return 0

    async def cancel_context(self, external_id: str, source: str | None) -> CancelContext:
        return CancelContext(
            self.tenants.current, await self.bookings.find_by_external_id(external_id, source)
        )

    async def insert(
        self, booking: Booking, event: AuditEvent, config_revision: int
    ) -> InsertResult:
        if not await self.bookings.insert_if_absent(booking):
            return InsertResult(Inserted.EXISTS)
        await self.audit.append(event)
        return InsertResult(Inserted.INSERTED)

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

    @property
    def services(self) -> ServiceRepository:
        raise _no_fake("services")

    @property
    def service_groups(self) -> ServiceGroupRepository:
        raise _no_fake("service_groups")

    @property
    def resources(self) -> ResourceRepository:
        raise _no_fake("resources")

    @property
    def customers(self) -> CustomerRepository:
        raise _no_fake("customers")

    @property
    def reservations(self) -> ReservationRepository:
        raise _no_fake("reservations")

    @property
    def allocations(self) -> AllocationRepository:
        raise _no_fake("allocations")

    @property
    def messages(self) -> MessageRepository:
        raise _no_fake("messages")

    @property
    def change_requests(self) -> ChangeRequestRepository:
        raise _no_fake("change_requests")

    @property
    def service_history(self) -> ServiceHistoryRepository:
        raise _no_fake("service_history")

    @property
    def feed(self) -> FeedRepository:
        raise _no_fake("feed")

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Repositories]:
        # Writes are applied in place; a failing block simply raises (tests check state).
        yield self
        self.commits += 1

    def read(self) -> Repositories:
        return self

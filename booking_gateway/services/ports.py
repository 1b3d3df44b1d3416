"""What services need from storage: one protocol per repository (the methods services call),
and ``Repositories``, the set a unit of work hands out.

The SQL repositories (``db/repositories``, gathered by ``db.unit_of_work.SqlRepositories``) and
the unit tests' in-memory fakes implement these protocols structurally, and mypy checks both
against them. Only domain types appear here, so services and tests import this module without
loading the SQL code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from booking_gateway.domain.catalog import (
    Customer,
    Reservation,
    ReservationStatus,
    Service,
    ServiceGroup,
    WorkshopResource,
)
from booking_gateway.domain.dealer_import import (
    CancelContext,
    ImportConfig,
    ImportContext,
    ImportLookup,
    InsertResult,
)
from booking_gateway.domain.models import AuditEvent, Booking, TenantSettings, Workshop
from booking_gateway.domain.operations import (
    BookingFilter,
    ChangeRequest,
    ChangeRequestStatus,
    Message,
    ServiceRecord,
)
from booking_gateway.domain.scheduling import AllocatedService, Busy, ServiceId

if TYPE_CHECKING:
    # Plain result records of SQL reads; only their types are needed here.
    from booking_gateway.db.repositories.catalog import VisitCatalog
    from booking_gateway.db.repositories.feed import FeedEntry


class TenantRepository(Protocol):
    async def settings(self) -> TenantSettings: ...

    async def save_settings(self, settings: TenantSettings, now: datetime) -> None: ...

    async def next_order_number(self, now: datetime) -> int:
        """The tenant's next order number (1, 2, ...), counted in the caller's transaction."""
        ...

    async def lock(self, *, create_at: datetime | None = None) -> None:
        """Serialise writers of this tenant until the transaction ends; ``create_at`` first
        makes sure the tenant's row exists."""
        ...


class WorkshopRepository(Protocol):
    async def get(self, workshop_id: str) -> Workshop | None: ...

    async def get_many(self, ids: Sequence[str]) -> list[Workshop]: ...

    async def by_dealer_number(self, dealer_number: str) -> Workshop | None:
        """Tenant-wide, even for a workshop scope."""
        ...

    async def list_all(self) -> list[Workshop]: ...

    async def add(self, workshop: Workshop) -> bool:
        """False when the dealer number is taken (nothing written)."""
        ...

    async def update(self, workshop: Workshop) -> None: ...


class BookingRepository(Protocol):
    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking | None: ...

    async def get_by_key(
        self, source: str, external_id: str, *, for_update: bool = False
    ) -> Booking | None: ...

    async def find_by_external_id(
        self, external_id: str, source: str | None = None, *, for_update: bool = False
    ) -> list[Booking]: ...

    async def active_for_vehicle(
        self, vin: str, *, since: date, exclude: str | None = None
    ) -> Booking | None: ...

    async def add(self, booking: Booking) -> None: ...

    async def update(self, booking: Booking, *, expected_revision: int) -> None:
        """Raises ``Conflict`` when the stored revision is not ``expected_revision``."""
        ...

    async def in_group(self, group_id: str) -> list[Booking]: ...

    async def in_groups(self, keys: list[str], *, for_update: bool = False) -> list[Booking]: ...

    async def of_workshop(self, workshop_id: str) -> list[Booking]: ...

    async def group_page(
        self, f: BookingFilter, offset: int, limit: int
    ) -> tuple[list[str], bool]: ...

    async def count_groups(self, f: BookingFilter) -> int: ...

    async def slice(
        self, f: BookingFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[tuple[datetime, Booking]]: ...


class AuditRepository(Protocol):
    async def append(self, event: AuditEvent) -> None: ...

    async def for_booking(self, booking_id: str) -> list[AuditEvent]: ...


class ServiceRepository(Protocol):
    async def list_all(self, workshop_id: str | None = None) -> list[Service]: ...

    async def get_many(self, ids: Sequence[str]) -> dict[ServiceId, Service]: ...

    async def get(self, service_id: str) -> Service | None: ...

    async def for_visit(self, workshop_id: str, ids: Sequence[str]) -> VisitCatalog | None:
        """What placing a visit at the workshop needs from the catalog, in one read: the
        workshop, the tenant's settings, those of the services ``ids`` that exist and the
        workshop's resources; None when there is no such workshop (in this scope)."""
        ...

    async def save(self, service: Service, now: datetime, *, new: bool) -> None: ...


class ServiceGroupRepository(Protocol):
    async def list_all(self) -> list[ServiceGroup]: ...

    async def add(self, group: ServiceGroup) -> None: ...


class ResourceRepository(Protocol):
    async def list_all(self, workshop_id: str | None = None) -> list[WorkshopResource]: ...

    async def get_many(self, ids: Sequence[str]) -> list[WorkshopResource]: ...

    async def ids_of_subject(self, subject: str) -> list[str]: ...

    async def add(self, resource: WorkshopResource) -> None: ...


class CustomerRepository(Protocol):
    async def get(self, customer_id: str) -> Customer | None: ...

    async def get_many(self, ids: list[str]) -> list[Customer]: ...

    async def by_identifier(self, personal_identifier: str) -> Customer | None: ...

    async def add_if_absent(self, customer: Customer, now: datetime) -> Customer:
        """The stored customer: this one, or the one already there with its identifier."""
        ...


class ReservationRepository(Protocol):
    async def get(self, reservation_id: str, *, for_update: bool = False) -> Reservation | None: ...

    async def add(self, reservation: Reservation) -> None: ...

    async def set_status(
        self, ids: list[str], status: ReservationStatus, group_id: str | None = None
    ) -> None: ...


class AllocationRepository(Protocol):
    async def lock_workshops(self, workshop_ids: Sequence[str]) -> None:
        """Serialise capacity and resource writes of these workshops until the transaction
        ends."""
        ...

    async def busy(
        self, workshop_id: str, start: datetime, end: datetime, now: datetime
    ) -> list[Busy]: ...

    async def allocate(
        self,
        *,
        workshop_id: str,
        visit_id: str,
        line_id: str,
        line: AllocatedService,
        spots: int,
        capacity: int,
        expires_at: datetime | None,
        booking_id: str | None = None,
        reservation_id: str | None = None,
    ) -> None:
        """Raises ``SlotTaken`` when capacity or a resource is no longer free."""
        ...

    async def sweep_expired(self, workshop_id: str, now: datetime) -> list[str]:
        """Free the workshop's expired holds; returns their reservation ids."""
        ...

    async def release_reservation(self, reservation_id: str) -> None: ...

    async def release_bookings(self, booking_ids: Sequence[str]) -> None: ...

    async def confirm_hold(self, reservation_id: str, booking_ids: dict[str, str]) -> None: ...


class MessageRepository(Protocol):
    async def add(self, message: Message) -> None: ...

    async def for_bookings(self, booking_ids: list[str]) -> list[Message]: ...


class ChangeRequestRepository(Protocol):
    async def add(self, request: ChangeRequest) -> None: ...

    async def get(self, request_id: str, *, for_update: bool = False) -> ChangeRequest | None: ...

    async def page(
        self, status: ChangeRequestStatus | None, offset: int, limit: int
    ) -> tuple[list[ChangeRequest], bool]: ...

    async def count(self, status: ChangeRequestStatus | None) -> int: ...

    async def decide(self, request: ChangeRequest) -> None: ...


class ServiceHistoryRepository(Protocol):
    async def add(self, record: ServiceRecord) -> None: ...

    async def for_vehicle(self, vin: str) -> list[ServiceRecord]: ...


class FeedRepository(Protocol):
    async def after(self, txid: int, event_id: int, limit: int) -> list[FeedEntry]:
        """Up to ``limit`` events strictly after position ``(txid, event_id)``, in order."""
        ...


class DealerImportRepository(Protocol):
    """What the import reads and writes."""

    def cached_config(self, lookup: ImportLookup) -> ImportConfig | None:
        """The configuration this process read last for such a push, if any (no I/O)."""
        ...

    async def context(self, lookup: ImportLookup) -> ImportContext:
        """The configuration (remembered for ``cached_config``) and the booking under the key."""
        ...

    async def current_revision(self) -> int:
        """The tenant's configuration revision now (under the tenant's lock: stays so)."""
        ...

    async def cancel_context(self, external_id: str, source: str | None) -> CancelContext: ...

    async def insert(
        self, booking: Booking, event: AuditEvent, config_revision: int
    ) -> InsertResult:
        """Store a new booking and its event if its key is free and the configuration is still
        at ``config_revision``; else nothing is written and the answer says why (with the
        booking under the key, when it could be read in the same statement)."""
        ...

    async def update(self, booking: Booking, expected_revision: int, event: AuditEvent) -> bool:
        """Store a changed booking and its event if its revision is still
        ``expected_revision``; False (nothing written) if it moved."""
        ...


class Repositories(Protocol):
    """The repositories of one scope (read-only members: a unit of work builds them)."""

    @property
    def tenants(self) -> TenantRepository: ...

    @property
    def workshops(self) -> WorkshopRepository: ...

    @property
    def bookings(self) -> BookingRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def services(self) -> ServiceRepository: ...

    @property
    def service_groups(self) -> ServiceGroupRepository: ...

    @property
    def resources(self) -> ResourceRepository: ...

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def reservations(self) -> ReservationRepository: ...

    @property
    def allocations(self) -> AllocationRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def change_requests(self) -> ChangeRequestRepository: ...

    @property
    def service_history(self) -> ServiceHistoryRepository: ...

    @property
    def feed(self) -> FeedRepository: ...

    @property
    def dealer_import(self) -> DealerImportRepository: ...

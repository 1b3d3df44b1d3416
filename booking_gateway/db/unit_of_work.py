"""Repositories of one tenant, together, optionally inside one transaction.

``SqlRepositories`` and ``SqlUnitOfWork`` implement the services' protocols
(``services.ports.Repositories`` and ``services.UnitOfWork``) structurally; this module does not
import them (imports point down), a typed test checks the fit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.repositories.allocations import AllocationRepository
from booking_gateway.db.repositories.audit import AuditRepository
from booking_gateway.db.repositories.bookings import BookingRepository
from booking_gateway.db.repositories.catalog import (
    ResourceRepository,
    ServiceGroupRepository,
    ServiceRepository,
)
from booking_gateway.db.repositories.customers import CustomerRepository
from booking_gateway.db.repositories.dealer_import import DealerImportRepository
from booking_gateway.db.repositories.feed import FeedRepository
from booking_gateway.db.repositories.operations import (
    ChangeRequestRepository,
    MessageRepository,
    ServiceHistoryRepository,
)
from booking_gateway.db.repositories.reservations import ReservationRepository
from booking_gateway.db.repositories.tenants import TenantRepository
from booking_gateway.db.repositories.workshops import WorkshopRepository


class SqlRepositories:
    """The repositories of one scope, each built on first use (a request needs one or two)."""

    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self.scope = scope

    @cached_property
    def tenants(self) -> TenantRepository:
        return TenantRepository(self._db, self.scope)

    @cached_property
    def workshops(self) -> WorkshopRepository:
        return WorkshopRepository(self._db, self.scope)

    @cached_property
    def bookings(self) -> BookingRepository:
        return BookingRepository(self._db, self.scope)

    @cached_property
    def audit(self) -> AuditRepository:
        return AuditRepository(self._db, self.scope)

    @cached_property
    def services(self) -> ServiceRepository:
        return ServiceRepository(self._db, self.scope)

    @cached_property
    def service_groups(self) -> ServiceGroupRepository:
        return ServiceGroupRepository(self._db, self.scope)

    @cached_property
    def resources(self) -> ResourceRepository:
        return ResourceRepository(self._db, self.scope)

    @cached_property
    def customers(self) -> CustomerRepository:
        return CustomerRepository(self._db, self.scope)

    @cached_property
    def reservations(self) -> ReservationRepository:
        return ReservationRepository(self._db, self.scope)

    @cached_property
    def allocations(self) -> AllocationRepository:
        return AllocationRepository(self._db, self.scope)

    @cached_property
    def messages(self) -> MessageRepository:
        return MessageRepository(self._db, self.scope)

    @cached_property
    def change_requests(self) -> ChangeRequestRepository:
        return ChangeRequestRepository(self._db, self.scope)

    @cached_property
    def service_history(self) -> ServiceHistoryRepository:
        return ServiceHistoryRepository(self._db, self.scope)

    @cached_property
    def feed(self) -> FeedRepository:
        return FeedRepository(self._db, self.scope)

    @cached_property
    def dealer_import(self) -> DealerImportRepository:
        return DealerImportRepository(self._db, self.scope)


class SqlUnitOfWork:
    """Hands services a transaction (``begin``) or plain reads (``read``) for one scope."""

    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._repos = SqlRepositories(db, scope)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[SqlRepositories]:
        async with self._db.transaction():
            yield self._repos

    def read(self) -> SqlRepositories:
        return self._repos

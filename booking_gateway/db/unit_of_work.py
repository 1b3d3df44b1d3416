"""Repositories of one tenant, together, optionally inside one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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


class Repositories:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self.scope = scope
        self.tenants = TenantRepository(db, scope)
        self.workshops = WorkshopRepository(db, scope)
        self.bookings = BookingRepository(db, scope)
        self.audit = AuditRepository(db, scope)
        self.services = ServiceRepository(db, scope)
        self.service_groups = ServiceGroupRepository(db, scope)
        self.resources = ResourceRepository(db, scope)
        self.customers = CustomerRepository(db, scope)
        self.reservations = ReservationRepository(db, scope)
        self.allocations = AllocationRepository(db, scope)
        self.messages = MessageRepository(db, scope)
        self.change_requests = ChangeRequestRepository(db, scope)
        self.service_history = ServiceHistoryRepository(db, scope)
        self.feed = FeedRepository(db, scope)
        self.dealer_import = DealerImportRepository(db, scope)


class SqlUnitOfWork:
    """Hands services a transaction (``begin``) or plain reads (``read``) for one scope."""

    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._repos = Repositories(db, scope)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Repositories]:
        async with self._db.transaction():
            yield self._repos

    def read(self) -> Repositories:
        return self._repos

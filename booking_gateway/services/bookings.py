"""Reading bookings and their history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from booking_gateway.domain.cancellation import deadline_minutes, last_time_to_cancel
from booking_gateway.domain.catalog import Customer, Service, WorkshopResource
from booking_gateway.domain.models import AuditEvent, Booking, TenantSettings, Workshop
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.services import UnitOfWork


class BookingReader:
    def __init__(self, uow: UnitOfWork, principal: Principal) -> None:
        self._repos = uow.read()
        self._principal = principal
        self._settings: TenantSettings | None = None

    async def last_time_to_cancel(self, booking: Booking, service: Service | None) -> datetime:
        """Until when a customer-side token may cancel or reschedule ``booking`` (of
        ``service``, loaded by the caller in one batch for a whole page)."""
        if self._settings is None:
            self._settings = await self._repos.tenants.settings()
        own = service.cancellation_deadline_minutes if service is not None else None
        minutes = deadline_minutes(own, self._settings.cancellation_deadline_minutes)
        return last_time_to_cancel(booking, minutes)

    async def get(self, booking_id: str) -> Booking | None:
        self._principal.require(Scope.BOOKINGS_READ)
        return await self._repos.bookings.get(booking_id)

    async def get_by_key(self, source: str, external_id: str) -> Booking | None:
        self._principal.require(Scope.BOOKINGS_READ)
        return await self._repos.bookings.get_by_key(source, external_id)

    async def history(self, booking_id: str) -> list[AuditEvent]:
        """Events of a booking the caller can see (checked by the caller's read of it)."""
        self._principal.require(Scope.BOOKINGS_READ)
        events = await self._repos.audit.for_booking(booking_id)
        shown = (e.visible_to(self._principal) for e in events)
        return [e for e in shown if e is not None]

    async def workshops(self, ids: Sequence[str]) -> list[Workshop | None]:
        """Batch load for the dataloader: one query for all ids, in order."""
        found = {w.id: w for w in await self._repos.workshops.get_many(ids)}
        return [found.get(i) for i in ids]  # type: ignore[call-overload]

    async def customers(self, ids: Sequence[str]) -> list[Customer | None]:
        found = {c.id: c for c in await self._repos.customers.get_many(list(ids))}
        return [found.get(i) for i in ids]  # type: ignore[call-overload]

    async def resources(self, ids: Sequence[str]) -> list[WorkshopResource | None]:
        found = {r.id: r for r in await self._repos.resources.get_many(ids)}
        return [found.get(i) for i in ids]  # type: ignore[call-overload]

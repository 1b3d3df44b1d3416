"""A vehicle's service history: one record per completed booking with a VIN, written when
the booking is completed (services.booking_status) and read newest first."""

from __future__ import annotations

import uuid
from datetime import datetime

from booking_gateway.domain.models import Booking
from booking_gateway.domain.operations import ServiceRecord
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.validation import Problems
from booking_gateway.services import UnitOfWork
from booking_gateway.services.ports import Repositories


class ServiceHistoryService:
    def __init__(self, uow: UnitOfWork, principal: Principal) -> None:
        self._uow = uow
        self._principal = principal

    async def for_vehicle(self, vin: str) -> list[ServiceRecord]:
        self._principal.require(Scope.BOOKINGS_READ)
        p = Problems()
        clean = p.vin("vin", vin)
        p.raise_if_any()
        return await self._uow.read().service_history.for_vehicle(clean or "")


async def record_completion(
    repos: Repositories, booking: Booking, summary: str | None, now: datetime
) -> None:
    """Add the record of a completed booking (in the caller's transaction); without a
    ``summary`` the booking's reason text describes what was done."""
    if not booking.vin:
        return
    await repos.service_history.add(
        ServiceRecord(
            id=str(uuid.uuid4()),
            vin=booking.vin,
            booking_id=booking.id,
            completed_at=now,
            workshop_id=booking.workshop_id,
            service_id=booking.service_id,
            summary=summary or booking.reason_text,
        )
    )

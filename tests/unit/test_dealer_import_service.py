"""DealerImportService rules, on in-memory repositories."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from booking_gateway.domain.errors import (
    BookingAlreadyExists,
    PermissionDenied,
    ValidationFailed,
)
from booking_gateway.domain.ids import RequestId, TenantId, WorkshopId
from booking_gateway.domain.models import (
    AuditAction,
    BookingStatus,
    Precision,
    RequestMeta,
    Workshop,
)
from booking_gateway.domain.principal import Principal
from booking_gateway.services.dealer_import import DealerImportService, ImportInput
from tests.unit.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def service(
    uow: FakeUnitOfWork, scopes: str = "bookings:write", workshop: str | None = None
) -> DealerImportService:
    principal = Principal(
        tenant=TenantId("acme"),
        subject="dms",
        scopes=frozenset(scopes.split()),
        workshop=WorkshopId(workshop) if workshop else None,
    )
    return DealerImportService(uow, principal, RequestMeta(RequestId("r1"), "ua"), lambda: NOW)


def data(**overrides: Any) -> ImportInput:
    values: dict[str, Any] = {
        "booking_source": "user",
        "booking_id": "12345",
        "booking_dealer": "DEU12345N",
        "vin": "WV1ZZZ1JZXW000001",
        "appointment_date": "2022-01-12",
    }
    values.update(overrides)
    return ImportInput(**values)


async def test_add_stores_a_date_only_appointment_without_inventing_a_time() -> None:
    uow = FakeUnitOfWork()
    booking = await service(uow).add(data())
    assert booking.appointment.precision is Precision.DATE
    assert booking.appointment.local_date == date(2022, 1, 12)
    assert booking.appointment.starts_at is None
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.booking_created_at == NOW


async def test_add_writes_one_audit_event_with_actor_and_request() -> None:
    uow = FakeUnitOfWork()
    await service(uow).add(data())
    [event] = uow.audit.events
    assert event.action is AuditAction.ADDED
    assert (event.actor_subject, event.request_id, event.user_agent) == ("dms", "r1", "ua")
    assert event.before is None
    assert event.after is not None
    assert event.after["vin"] == "WV1ZZZ1JZXW000001"


async def test_retry_returns_the_stored_booking_without_a_second_event() -> None:
    uow = FakeUnitOfWork()
    first = await service(uow).add(data())
    second = await service(uow).add(data())
    assert second == first
    assert len(uow.audit.events) == 1


async def test_same_key_other_data_is_refused() -> None:
    uow = FakeUnitOfWork()
    await service(uow).add(data())
    with pytest.raises(BookingAlreadyExists):
        await service(uow).add(data(vin="WVWZZZAUZKW123456"))


async def test_invalid_input_never_opens_a_transaction() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(ValidationFailed):
        await service(uow).add(data(vin="bad"))
    assert uow.commits == 0
    assert uow.bookings.rows == {}


async def test_writing_needs_the_write_scope() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(PermissionDenied):
        await service(uow, scopes="bookings:read").add(data())


async def test_workshop_token_cannot_book_for_another_workshops_dealer() -> None:
    # given two workshops
    uow = FakeUnitOfWork()
    for wid, dealer in (("w1", "D1"), ("w2", "D2")):
        uow.workshops.rows[wid] = Workshop(
            WorkshopId(wid), TenantId("acme"), wid, dealer, "UTC", NOW
        )

    # then a token for w1 may not use w2's dealer number
    with pytest.raises(PermissionDenied):
        await service(uow, workshop="w1").add(data(booking_dealer="D2"))
    booking = await service(uow, workshop="w1").add(data(booking_dealer="D1"))
    assert booking.workshop_id == "w1"

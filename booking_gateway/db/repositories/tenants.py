from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.statements import Statement
from booking_gateway.domain.models import DEFAULT_BOOKING_SOURCES, TenantSettings

SETTINGS = Statement("SELECT t.settings FROM tenants t WHERE {scope t}")
# Every change of the settings or the workshops bumps config_revision (see dealer_import.py:
# processes cache them and check the revision inside the write that uses them).
SAVE_SETTINGS = Statement(
    """INSERT INTO tenants (id, settings, created_at, updated_at, config_revision)
    VALUES (:tenant, :settings, :now, :now, :first_revision)
    ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at,
        config_revision = tenants.config_revision + 1"""
)
BUMP_CONFIG = Statement(
    """INSERT INTO tenants (id, settings, created_at, updated_at, config_revision)
    VALUES (:tenant, :settings, :now, :now, :first_revision)
    ON CONFLICT (id) DO UPDATE SET config_revision = tenants.config_revision + 1"""
)
ENSURE = Statement(
    """INSERT INTO tenants (id, settings, created_at, updated_at)
    VALUES (:tenant, :settings, :now, :now) ON CONFLICT DO NOTHING"""
)
LOCK = Statement("SELECT t.id FROM tenants t WHERE {scope t} FOR UPDATE")
# The tenant's next order number, counted atomically (the row stays locked until commit, so
# numbers follow commit order and a rolled-back visit gives its number back).
NEXT_ORDER_NUMBER = Statement(
    """INSERT INTO tenants (id, settings, created_at, updated_at, next_order_number)
    VALUES (:tenant, :settings, :now, :now, 2)
    ON CONFLICT (id) DO UPDATE SET next_order_number = tenants.next_order_number + 1
    RETURNING next_order_number - 1 AS number"""
)


def first_revision() -> int:
    """A tenant row's first configuration revision: random, so that a database recreated or
    restored under the same URL never repeats a revision a process has cached."""
    return secrets.randbelow(2**62) + 1


def settings_from_document(raw: dict[str, Any] | None) -> TenantSettings:
    """The tenant's policies; a tenant never configured gets the documented defaults."""
    if raw is None:
        return TenantSettings()
    sources = raw.get("allowedBookingSources", sorted(DEFAULT_BOOKING_SOURCES))
    return TenantSettings(
        allowed_booking_sources=frozenset(sources),
        one_active_booking_per_vehicle=bool(raw.get("oneActiveBookingPerVehicle", False)),
        customer_changes_need_approval=raw.get("customerChangesNeedApproval", True),
        reservation_hold_minutes=raw.get("reservationHoldMinutes", 15),
        minimum_notice_minutes=raw.get("minimumNoticeMinutes", 60),
        booking_horizon_days=raw.get("bookingHorizonDays", 180),
        cancellation_deadline_minutes=raw.get("cancellationDeadlineMinutes", 0),
        customer_email_required=bool(raw.get("customerEmailRequired", False)),
        bookings_need_confirmation=bool(raw.get("bookingsNeedConfirmation", False)),
    )


def settings_document(settings: TenantSettings) -> dict[str, object]:
    return {
        "allowedBookingSources": sorted(settings.allowed_booking_sources),
        "oneActiveBookingPerVehicle": settings.one_active_booking_per_vehicle,
        "customerChangesNeedApproval": settings.customer_changes_need_approval,
        "reservationHoldMinutes": settings.reservation_hold_minutes,
        "minimumNoticeMinutes": settings.minimum_notice_minutes,
        "bookingHorizonDays": settings.booking_horizon_days,
        "cancellationDeadlineMinutes": settings.cancellation_deadline_minutes,
        "customerEmailRequired": settings.customer_email_required,
        "bookingsNeedConfirmation": settings.bookings_need_confirmation,
    }


class TenantRepository(ScopedRepository):
    async def settings(self) -> TenantSettings:
        row = await self._fetchrow(SETTINGS)
        return settings_from_document(row["settings"] if row else None)

    async def save_settings(self, settings: TenantSettings, now: datetime) -> None:
        await self._execute(
            SAVE_SETTINGS,
            settings=settings_document(settings),
            now=now,
            first_revision=first_revision(),
        )

    async def next_order_number(self, now: datetime) -> int:
        row = await self._fetchrow(NEXT_ORDER_NUMBER, settings={}, now=now)
        assert row is not None  # noqa: S101 - an upsert with RETURNING answers one row
        return int(row["number"])

    async def lock(self, *, create_at: datetime | None = None) -> None:
        """Serialise writers of this tenant until the transaction ends (PostgreSQL row lock;
        SQLite writers are serialised already). ``create_at`` first makes sure the row exists
        (created then), so that even the first settings update is serialised."""
        if create_at is not None:
            await self._execute(ENSURE, settings={}, now=create_at)
        await self._fetchrow(LOCK)

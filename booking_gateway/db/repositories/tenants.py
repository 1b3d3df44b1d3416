from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import tenants
from booking_gateway.domain.models import DEFAULT_BOOKING_SOURCES, TenantSettings


class TenantRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._tenant = scope.tenant

    async def settings(self) -> TenantSettings:
        """The tenant's policies; a tenant never configured gets the documented defaults."""
        row = await self._db.fetch_one(
            sa.select(tenants.c.settings).where(tenants.c.id == self._tenant)
        )
        if row is None:
            return TenantSettings()
        raw = row["settings"]
        return TenantSettings(
            allowed_booking_sources=frozenset(
                raw.get("allowedBookingSources", sorted(DEFAULT_BOOKING_SOURCES))
            ),
            one_active_booking_per_vehicle=bool(raw.get("oneActiveBookingPerVehicle", False)),
            customer_changes_need_approval=raw.get("customerChangesNeedApproval", True),
            reservation_hold_minutes=raw.get("reservationHoldMinutes", 15),
            minimum_notice_minutes=raw.get("minimumNoticeMinutes", 60),
            booking_horizon_days=raw.get("bookingHorizonDays", 180),
        )

    async def save_settings(self, settings: TenantSettings, now: datetime) -> None:
        values = {
            "allowedBookingSources": sorted(settings.allowed_booking_sources),
            "oneActiveBookingPerVehicle": settings.one_active_booking_per_vehicle,
            "customerChangesNeedApproval": settings.customer_changes_need_approval,
            "reservationHoldMinutes": settings.reservation_hold_minutes,
            "minimumNoticeMinutes": settings.minimum_notice_minutes,
            "bookingHorizonDays": settings.booking_horizon_days,
        }
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        stmt = insert(tenants).values(
            id=self._tenant, settings=values, created_at=now, updated_at=now
        )
        await self._db.execute(
            stmt.on_conflict_do_update(
                index_elements=[tenants.c.id],
                set_={"settings": stmt.excluded.settings, "updated_at": now},
            )
        )

    async def lock(self, *, create_at: datetime | None = None) -> None:
        """Serialise writers of this tenant until the transaction ends (PostgreSQL row lock;
        SQLite writers are serialised already). ``create_at`` first makes sure the row exists
        (created then), so that even the first settings update is serialised."""
        if create_at is not None:
            insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
            await self._db.execute(
                insert(tenants)
                .values(id=self._tenant, settings={}, created_at=create_at, updated_at=create_at)
                .on_conflict_do_nothing()
            )
        await self._db.fetch_one(
            sa.select(tenants.c.id).where(tenants.c.id == self._tenant).with_for_update()
        )

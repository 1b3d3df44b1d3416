"""Capacity and resource occupancy of booked and held service lines.

The database has the last word: ``capacity_usage`` is a guarded counter (CHECK used <=
capacity) and, on PostgreSQL, an exclusion constraint keeps a resource out of two overlapping
active allocations. A refused write surfaces as ``SlotTaken``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import allocations, capacity_usage
from booking_gateway.db.types import utc_from_driver
from booking_gateway.domain.errors import SlotTaken
from booking_gateway.domain.scheduling import (
    AllocatedService,
    Busy,
    BusyKind,
    ResourceId,
    ServiceId,
)

# Services are defined in whole 5-minute steps (durations, buffers, slot grid), so 5-minute
# cells never make two back-to-back visits share a cell.
CELL = timedelta(minutes=5)


def cells(start: datetime, end: datetime) -> Iterator[datetime]:
    """The 5-minute UTC cells a blocked interval touches."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    cell = epoch + ((start - epoch) // CELL) * CELL
    while cell < end:
        yield cell
        cell += CELL


class AllocationRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._tenant = scope.tenant

    async def lock_workshops(self, workshop_ids: Sequence[str]) -> None:
        """Serialise every capacity and resource write of these workshops until the
        transaction ends (PostgreSQL advisory locks, taken in one order so two writers never
        wait on each other in a circle; SQLite serialises writers already). Placement under
        this lock sees every committed allocation, so the scheduler's choice of resource is
        never beaten by a concurrent one; the constraints stay as the last word."""
        if self._db.dialect != "postgresql":
            return
        for workshop_id in sorted(set(workshop_ids)):
            await self._db.execute(
                sa.select(
                    sa.func.pg_advisory_xact_lock(
                        sa.func.hashtextextended(f"{self._tenant}:{workshop_id}", 0)
                    )
                )
            )

    async def busy(
        self, workshop_id: str, start: datetime, end: datetime, now: datetime
    ) -> list[Busy]:
        """Lines blocking anything in [start, end): bookings, and holds not yet expired."""
        # Hot path (timeslots read thousands of rows): plain driver rows, converted here.
        rows = await self._db.fetch_rows(
            sa.select(
                allocations.c.line_id,
                allocations.c.starts_at,
                allocations.c.ends_at,
                allocations.c.resource_id,
                allocations.c.service_id,
                allocations.c.spots,
                allocations.c.expires_at,
            ).where(
                allocations.c.tenant_id == self._tenant,
                allocations.c.workshop_id == workshop_id,
                allocations.c.active.is_(True),
                allocations.c.starts_at < end,
                allocations.c.ends_at > start,
                sa.or_(allocations.c.expires_at.is_(None), allocations.c.expires_at > now),
            )
        )
        lines: dict[str, dict[str, Any]] = {}
        for line_id, starts_at, ends_at, resource_id, service_id, spots, expires_at in rows:
            line = lines.get(line_id)
            if line is None:
                line = lines[line_id] = {
                    "start": utc_from_driver(starts_at),
                    "end": utc_from_driver(ends_at),
                    "resource_ids": [],
                    "service_id": None,
                    "spots": 0,
                    "expires_at": utc_from_driver(expires_at) if expires_at else None,
                }
            if resource_id is None:
                line["service_id"] = ServiceId(service_id)
                line["spots"] = spots
            else:
                line["resource_ids"].append(ResourceId(resource_id))
        return [
            Busy(
                start=v["start"],
                end=v["end"],
                resource_ids=tuple(v["resource_ids"]),
                service_id=v["service_id"],
                spots=v["spots"],
                kind=BusyKind.HOLD if v["expires_at"] else BusyKind.BOOKING,
                expires_at=v["expires_at"],
            )
            for v in lines.values()
        ]

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
        common = {
            "tenant_id": self._tenant,
            "workshop_id": workshop_id,
            "line_id": line_id,
            "visit_id": visit_id,
            "service_id": line.service_id,
            "starts_at": line.blocked_start,
            "ends_at": line.blocked_end,
            "spots": spots,
            "expires_at": expires_at,
            "active": True,
            "booking_id": booking_id,
            "reservation_id": reservation_id,
        }
        rows = [{**common, "resource_id": None}]
        rows += [{**common, "resource_id": r, "spots": 0} for r in line.resource_ids]
        try:
            await self._db.execute(allocations.insert().values(rows))
            await self._add_usage(
                workshop_id, line.service_id, line.blocked_start, line.blocked_end, spots, capacity
            )
        except (
            asyncpg.ExclusionViolationError,
            asyncpg.CheckViolationError,
            sqlite3.IntegrityError,
        ) as exc:
            raise SlotTaken(_reason(exc), service_id=line.service_id) from None

    async def _add_usage(
        self,
        workshop_id: str,
        service_id: str,
        start: datetime,
        end: datetime,
        spots: int,
        capacity: int,
    ) -> None:
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        stmt = insert(capacity_usage).values(
            [
                {
                    "tenant_id": self._tenant,
                    "workshop_id": workshop_id,
                    "service_id": service_id,
                    "cell_start": cell,
                    "used": spots,
                    "capacity": capacity,
                }
                for cell in cells(start, end)
            ]
        )
        await self._db.execute(
            stmt.on_conflict_do_update(
                index_elements=list(capacity_usage.primary_key.columns),
                set_={
                    "used": capacity_usage.c.used + stmt.excluded.used,
                    "capacity": stmt.excluded.capacity,
                },
            )
        )

    async def _release_rows(
        self, condition: sa.ColumnElement[bool], workshop_id: str | None = None
    ) -> list[str]:
        """Deactivate matching allocations and give their capacity back, under the locks of
        the workshops concerned (``workshop_id`` when the caller knows the only one)."""
        if workshop_id is not None:
            touched = [workshop_id]
        else:
            rows = await self._db.fetch_all(
                sa.select(allocations.c.workshop_id)
                .where(
                    allocations.c.tenant_id == self._tenant,
                    allocations.c.active.is_(True),
                    condition,
                )
                .distinct()
            )
            touched = [r["workshop_id"] for r in rows]
        await self.lock_workshops(touched)
        released = await self._db.fetch_all(
            allocations.update()
            .where(
                allocations.c.tenant_id == self._tenant, allocations.c.active.is_(True), condition
            )
            .values(active=False)
            .returning(
                allocations.c.workshop_id,
                allocations.c.service_id,
                allocations.c.resource_id,
                allocations.c.starts_at,
                allocations.c.ends_at,
                allocations.c.spots,
                allocations.c.reservation_id,
            )
        )
        for row in released:
            if row["resource_id"] is None and row["spots"]:
                await self._db.execute(
                    capacity_usage.update()
                    .where(
                        capacity_usage.c.tenant_id == self._tenant,
                        capacity_usage.c.workshop_id == row["workshop_id"],
                        capacity_usage.c.service_id == row["service_id"],
                        # A range, not IN: databases skips type processing of expanded IN
                        # parameters, which would compare datetimes as the wrong text.
                        capacity_usage.c.cell_start
                        >= next(cells(row["starts_at"], row["ends_at"])),
                        capacity_usage.c.cell_start < row["ends_at"],
                    )
                    .values(used=capacity_usage.c.used - row["spots"])
                )
        return sorted({r["reservation_id"] for r in released if r["reservation_id"]})

    async def sweep_expired(self, workshop_id: str, now: datetime) -> list[str]:
        """Free expired holds of a workshop; returns their reservation ids. Run before
        allocating, so an expired hold never stands in the way of the database's checks."""
        return await self._release_rows(
            sa.and_(
                allocations.c.workshop_id == workshop_id,
                allocations.c.expires_at.is_not(None),
                allocations.c.expires_at <= now,
            ),
            workshop_id,
        )

    async def release_reservation(self, reservation_id: str) -> None:
        await self._release_rows(allocations.c.reservation_id == reservation_id)

    async def release_bookings(self, booking_ids: Sequence[str]) -> None:
        await self._release_rows(allocations.c.booking_id.in_(booking_ids))

    async def confirm_hold(self, reservation_id: str, booking_ids: dict[str, str]) -> None:
        """A confirmed reservation's lines stop expiring and belong to their bookings."""
        for line_id, booking_id in booking_ids.items():
            await self._db.execute(
                allocations.update()
                .where(
                    allocations.c.tenant_id == self._tenant,
                    allocations.c.reservation_id == reservation_id,
                    allocations.c.line_id == line_id,
                    allocations.c.active.is_(True),
                )
                .values(expires_at=None, booking_id=booking_id)
            )


def _reason(exc: Exception) -> str:
    if isinstance(exc, asyncpg.ExclusionViolationError):
        return "RESOURCE_BUSY"
    return "CAPACITY"

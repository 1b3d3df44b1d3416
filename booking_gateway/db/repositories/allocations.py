"""Capacity and resource occupancy of booked and held service lines.

The database has the last word: ``capacity_usage`` is a guarded counter (CHECK used <=
capacity) and, on PostgreSQL, an exclusion constraint keeps a resource out of two overlapping
active allocations. A refused write surfaces as ``SlotTaken``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from booking_gateway.db.engine import INTEGRITY_ERRORS
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.statements import Statement
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
_STEP = f"{int(CELL.total_seconds()) // 60} minutes"


def cells(start: datetime, end: datetime) -> Iterator[datetime]:
    """The 5-minute UTC cells a blocked interval touches."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    cell = epoch + ((start - epoch) // CELL) * CELL
    while cell < end:
        yield cell
        cell += CELL


# The key names the tenant too: advisory locks are database-wide.
LOCK_WORKSHOP = Statement(
    """SELECT pg_advisory_xact_lock(
        hashtextextended(CAST(:tenant AS text) || ':' || CAST(:workshop_id AS text), 0))"""
)
# Hot path (timeslots read thousands of rows): columns by position, no conversion.
BUSY = Statement(
    """SELECT a.line_id, a.starts_at, a.ends_at, a.resource_id, a.service_id, a.spots,
        a.expires_at
    FROM allocations a
    WHERE {scope a} AND a.workshop_id = :workshop_id AND a.active
        AND a.starts_at < :end AND a.ends_at > :start
        AND (a.expires_at IS NULL OR a.expires_at > :now)"""
)
# One row for the line's capacity (resource_id NULL, its spots) and one per resource (0 spots).
_ALLOCATE = """INSERT INTO allocations (tenant_id, workshop_id, line_id, visit_id, service_id,
        resource_id, starts_at, ends_at, spots, expires_at, active, booking_id, reservation_id)
    SELECT :tenant, :workshop_id, :line_id, :visit_id, :service_id, r.id, :starts_at, :ends_at,
        CASE WHEN r.id IS NULL THEN :spots ELSE 0 END, :expires_at, TRUE, :booking_id,
        :reservation_id
    FROM ({lines}) r"""
ALLOCATE = Statement(
    _ALLOCATE.format(
        lines="SELECT CAST(NULL AS text) AS id "
        "UNION ALL SELECT unnest(CAST(:resource_ids AS text[]))"
    ),
    sqlite=_ALLOCATE.format(
        lines="SELECT NULL AS id UNION ALL SELECT value FROM json_each(:resource_ids)"
    ),
)
# Adds spots to every cell in [:first, :end) (``cells``); the CHECK refuses an overfull cell.
# SQLite stores timestamps as text in the engine's format, whole cells end in ".000000".
_ADD_USAGE = """INSERT INTO capacity_usage (tenant_id, workshop_id, service_id, cell_start,
        used, capacity)
    SELECT :tenant, :workshop_id, :service_id, cell, :spots, :capacity
    FROM {cells} WHERE cell < :end
    ON CONFLICT (tenant_id, workshop_id, service_id, cell_start)
    DO UPDATE SET used = capacity_usage.used + excluded.used, capacity = excluded.capacity"""
ADD_USAGE = Statement(
    _ADD_USAGE.format(
        cells="generate_series(CAST(:first AS timestamptz), CAST(:end AS timestamptz), "
        f"interval '{_STEP}') AS cell"
    ),
    sqlite=f"""WITH RECURSIVE c(cell) AS (
        SELECT :first
        UNION ALL
        SELECT strftime('%Y-%m-%d %H:%M:%S.000000', cell, '+{_STEP}') FROM c
        WHERE strftime('%Y-%m-%d %H:%M:%S.000000', cell, '+{_STEP}') < :end)
    """
    + _ADD_USAGE.format(cells="c"),
)
GIVE_BACK = Statement(
    """UPDATE capacity_usage SET used = used - :spots
    WHERE {scope capacity_usage} AND workshop_id = :workshop_id AND service_id = :service_id
        AND cell_start >= :first AND cell_start < :end"""
)

# Releasing: the workshops concerned (to lock them first), then the rows themselves.
_ACTIVE = "FROM allocations WHERE {scope allocations} AND active"
_RELEASE = (
    "UPDATE allocations SET active = FALSE WHERE {scope allocations} AND active AND {condition} "
    "RETURNING workshop_id, service_id, resource_id, starts_at, ends_at, spots, reservation_id"
)
_EXPIRED = "workshop_id = :workshop_id AND expires_at IS NOT NULL AND expires_at <= :now"
_OF_RESERVATION = "reservation_id = :reservation_id"
_OF_BOOKINGS = "booking_id = ANY(:booking_ids)"
TOUCHED_BY_RESERVATION = Statement(f"SELECT DISTINCT workshop_id {_ACTIVE} AND {_OF_RESERVATION}")
TOUCHED_BY_BOOKINGS = Statement(f"SELECT DISTINCT workshop_id {_ACTIVE} AND {_OF_BOOKINGS}")
RELEASE_EXPIRED = Statement(_RELEASE.replace("{condition}", _EXPIRED))
RELEASE_RESERVATION = Statement(_RELEASE.replace("{condition}", _OF_RESERVATION))
RELEASE_BOOKINGS = Statement(_RELEASE.replace("{condition}", _OF_BOOKINGS))

CONFIRM_LINE = Statement(
    """UPDATE allocations SET expires_at = NULL, booking_id = :booking_id
    WHERE {scope allocations} AND reservation_id = :reservation_id AND line_id = :line_id
        AND active"""
)


class AllocationRepository(ScopedRepository):
    async def lock_workshops(self, workshop_ids: Sequence[str]) -> None:
        """Serialise every capacity and resource write of these workshops until the
        transaction ends (PostgreSQL advisory locks, taken in one order so two writers never
        wait on each other in a circle; SQLite serialises writers already). Placement under
        this lock sees every committed allocation, so the scheduler's choice of resource is
        never beaten by a concurrent one; the constraints stay as the last word."""
        if self._dialect != "postgresql":
            return
        for workshop_id in sorted(set(workshop_ids)):
            await self._execute(LOCK_WORKSHOP, workshop_id=workshop_id)

    async def busy(
        self, workshop_id: str, start: datetime, end: datetime, now: datetime
    ) -> list[Busy]:
        """Lines blocking anything in [start, end): bookings, and holds not yet expired."""
        rows = await self._fetch(BUSY, workshop_id=workshop_id, start=start, end=end, now=now)
        # line id -> [start, end, resource ids, service id, spots, expires_at]; both drivers
        # hand back aware UTC datetimes already.
        lines: dict[str, list[Any]] = {}
        for row in rows:
            line = lines.get(row[0])
            if line is None:
                line = lines[row[0]] = [row[1], row[2], [], None, 0, row[6]]
            if row[3] is None:
                line[3] = ServiceId(row[4])
                line[4] = row[5]
            else:
                line[2].append(ResourceId(row[3]))
        return [
            Busy(
                start=line_start,
                end=line_end,
                resource_ids=tuple(resource_ids),
                service_id=service_id,
                spots=spots,
                kind=BusyKind.HOLD if expires_at else BusyKind.BOOKING,
                expires_at=expires_at,
            )
            for line_start, line_end, resource_ids, service_id, spots, expires_at in lines.values()
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
        try:
            await self._execute(
                ALLOCATE,
                workshop_id=workshop_id,
                line_id=line_id,
                visit_id=visit_id,
                service_id=line.service_id,
                resource_ids=list(line.resource_ids),
                starts_at=line.blocked_start,
                ends_at=line.blocked_end,
                spots=spots,
                expires_at=expires_at,
                booking_id=booking_id,
                reservation_id=reservation_id,
            )
            await self._add_usage(
                workshop_id, line.service_id, line.blocked_start, line.blocked_end, spots, capacity
            )
        except INTEGRITY_ERRORS as exc:
            # On PostgreSQL the transaction is now aborted: SlotTaken ends it (rolled back).
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
        await self._execute(
            ADD_USAGE,
            workshop_id=workshop_id,
            service_id=service_id,
            first=next(cells(start, end)),
            end=end,
            spots=spots,
            capacity=capacity,
        )

    async def _lock_touched(self, touched: Statement, **condition: Any) -> None:
        """Lock the workshops whose active allocations match ``condition``."""
        rows = await self._fetch(touched, **condition)
        await self.lock_workshops([r["workshop_id"] for r in rows])

    async def _release(self, release: Statement, **condition: Any) -> list[str]:
        """Deactivate matching allocations (their workshops locked by the caller) and give
        their capacity back; returns the reservations concerned."""
        released = await self._fetch(release, **condition)
        for row in released:
            if row["resource_id"] is None and row["spots"]:
                await self._execute(
                    GIVE_BACK,
                    workshop_id=row["workshop_id"],
                    service_id=row["service_id"],
                    first=next(cells(row["starts_at"], row["ends_at"])),
                    end=row["ends_at"],
                    spots=row["spots"],
                )
        return sorted({r["reservation_id"] for r in released if r["reservation_id"]})

    async def sweep_expired(self, workshop_id: str, now: datetime) -> list[str]:
        """Free expired holds of a workshop; returns their reservation ids. Run before
        allocating, so an expired hold never stands in the way of the database's checks."""
        await self.lock_workshops([workshop_id])
        return await self._release(RELEASE_EXPIRED, workshop_id=workshop_id, now=now)

    async def release_reservation(self, reservation_id: str) -> None:
        await self._lock_touched(TOUCHED_BY_RESERVATION, reservation_id=reservation_id)
        await self._release(RELEASE_RESERVATION, reservation_id=reservation_id)

    async def release_bookings(self, booking_ids: Sequence[str]) -> None:
        if not booking_ids:
            return
        ids = list(booking_ids)
        await self._lock_touched(TOUCHED_BY_BOOKINGS, booking_ids=ids)
        await self._release(RELEASE_BOOKINGS, booking_ids=ids)

    async def confirm_hold(self, reservation_id: str, booking_ids: dict[str, str]) -> None:
        """A confirmed reservation's lines stop expiring and belong to their bookings."""
        for line_id, booking_id in booking_ids.items():
            await self._execute(
                CONFIRM_LINE, reservation_id=reservation_id, line_id=line_id, booking_id=booking_id
            )


EXCLUSION_VIOLATION = "23P01"  # PostgreSQL's SQLSTATE for the resource overlap constraint


def _reason(exc: BaseException) -> str:
    if getattr(exc, "sqlstate", None) == EXCLUSION_VIOLATION:
        return "RESOURCE_BUSY"
    return "CAPACITY"

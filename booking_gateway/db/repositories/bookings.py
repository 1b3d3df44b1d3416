from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.statements import Statement
from booking_gateway.domain.errors import Conflict
from booking_gateway.domain.ids import BookingId, TenantId, WorkshopId
from booking_gateway.domain.models import Appointment, Booking, BookingStatus, Precision
from booking_gateway.domain.operations import BookingFilter

ACTIVE_STATUSES = (
    BookingStatus.RESERVED,
    BookingStatus.AWAITING_PAYMENT,
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.IN_PROGRESS,
)
ACTIVE_VALUES = tuple(s.value for s in ACTIVE_STATUSES)

# A booking row with its workshop's time zone (the workshop joined as ``w``, see FROM).
COLUMNS = """b.id, b.tenant_id, b.workshop_id, b.status, b.source, b.external_id, b.vin,
    b.dealer_number, b.fleet_id, b.external_workshop_id, b.reason_key, b.reason_text,
    b.appointment_precision, b.appointment_date, b.appointment_at, b.booking_created_at,
    b.created_at, b.updated_at, b.cancelled_at, b.revision, b.group_id, b.service_id, b.ends_at,
    b.spots, b.customer_id, b.reservation_id, b.resource_ids, b.details, b.sort_at,
    b.participants, w.time_zone"""
# The workshop join is tenant-only: it adds a column and no rows, and the booking row itself
# carries the full scope ({scope b}).
FROM = "FROM bookings b LEFT JOIN workshops w ON w.id = b.workshop_id AND {tenant w}"
# A read for update locks the bookings only (never the outer-joined workshop).
LOCK = "FOR UPDATE OF b"

BY_ID = "WHERE {scope b} AND b.id = :id"
GET = Statement(f"SELECT {COLUMNS} {FROM} {BY_ID}")
GET_LOCKED = Statement(f"SELECT {COLUMNS} {FROM} {BY_ID} {LOCK}")
BY_KEY = "WHERE {scope b} AND b.source = :source AND b.external_id = :external_id"
GET_BY_KEY = Statement(f"SELECT {COLUMNS} {FROM} {BY_KEY}")
GET_BY_KEY_LOCKED = Statement(f"SELECT {COLUMNS} {FROM} {BY_KEY} {LOCK}")
BY_EXTERNAL_ID = """WHERE {scope b} AND b.external_id = :external_id
    [[ AND b.source = :source ]] ORDER BY b.source LIMIT 10"""
FIND_BY_EXTERNAL_ID = Statement(f"SELECT {COLUMNS} {FROM} {BY_EXTERNAL_ID}")
FIND_BY_EXTERNAL_ID_LOCKED = Statement(f"SELECT {COLUMNS} {FROM} {BY_EXTERNAL_ID} {LOCK}")
# Tenant-wide on purpose ({tenant b}): one active booking per vehicle is a tenant policy,
# whatever workshop (or customer) holds the other booking. Appointments before :since are past.
ACTIVE_FOR_VEHICLE = Statement(
    f"""SELECT {COLUMNS} {FROM}
    WHERE {{tenant b}} AND b.vin = :vin AND b.status = ANY(:statuses)
        AND b.appointment_date >= :since [[ AND b.id <> :exclude ]]
    LIMIT 1"""
)
INSERT_COLUMNS = """id, tenant_id, workshop_id, status, source, external_id, vin,
        dealer_number, fleet_id, external_workshop_id, reason_key, reason_text,
        appointment_precision, appointment_date, appointment_at, booking_created_at, created_at,
        updated_at, cancelled_at, revision, group_id, service_id, ends_at, spots, customer_id,
        reservation_id, resource_ids, details, sort_at, participants"""
INSERT_VALUES = """:id, :tenant, :workshop_id, :status, :source, :external_id, :vin, :dealer_number,
        :fleet_id, :external_workshop_id, :reason_key, :reason_text, :appointment_precision,
        :appointment_date, :appointment_at, :booking_created_at, :created_at, :updated_at,
        :cancelled_at, :revision, :group_id, :service_id, :ends_at, :spots, :customer_id,
        :reservation_id, :resource_ids, :details, :sort_at, :participants"""
ADD = Statement(f"INSERT INTO bookings ({INSERT_COLUMNS}) VALUES ({INSERT_VALUES})")
# The unique (tenant, source, external id) key decides, not a prior read: race-free.
INSERT_IF_ABSENT = Statement(
    f"{ADD.sql} ON CONFLICT (tenant_id, source, external_id) DO NOTHING RETURNING id"
)
UPDATE = Statement(
    """UPDATE bookings SET workshop_id = :workshop_id, status = :status, source = :source,
        external_id = :external_id, vin = :vin, dealer_number = :dealer_number,
        fleet_id = :fleet_id, external_workshop_id = :external_workshop_id,
        reason_key = :reason_key, reason_text = :reason_text,
        appointment_precision = :appointment_precision, appointment_date = :appointment_date,
        appointment_at = :appointment_at, booking_created_at = :booking_created_at,
        updated_at = :updated_at, cancelled_at = :cancelled_at, revision = :revision,
        group_id = :group_id, service_id = :service_id, ends_at = :ends_at, spots = :spots,
        customer_id = :customer_id, reservation_id = :reservation_id,
        resource_ids = :resource_ids, details = :details, sort_at = :sort_at,
        participants = :participants
    WHERE {scope bookings} AND id = :id AND revision = :expected_revision RETURNING id"""
)
IN_GROUP = Statement(
    f"""SELECT {COLUMNS} {FROM} WHERE {{scope b}} AND b.group_id = :group_id
    ORDER BY b.appointment_at, b.id"""
)
OF_WORKSHOP = Statement(
    f"SELECT {COLUMNS} {FROM} WHERE {{scope b}} AND b.workshop_id = :workshop_id {LOCK}"
)
# The group key of a visit: the group of an online booking's lines, else the booking itself.
# No index serves ``coalesce(group_id, id)``: the OR finds the candidates by the group index and
# the primary key, and the coalesce keeps exactly the lines of the keys.
IN_GROUPS_WHERE = """WHERE {scope b} AND (b.group_id = ANY(:keys) OR b.id = ANY(:keys))
    AND coalesce(b.group_id, b.id) = ANY(:keys)
    ORDER BY b.sort_at, b.id"""
IN_GROUPS = Statement(f"SELECT {COLUMNS} {FROM} {IN_GROUPS_WHERE}")
IN_GROUPS_LOCKED = Statement(f"SELECT {COLUMNS} {FROM} {IN_GROUPS_WHERE} {LOCK}")

# -- workshop operations: list filters, each part left out when its value is None ------------
# The allocation subquery is tenant-only: it narrows bookings that are scoped themselves.
FILTERED = """WHERE {scope b}
    AND b.appointment_date >= :date_from AND b.appointment_date <= :date_to
    [[ AND b.workshop_id = ANY(:workshop_ids) ]]
    [[ AND b.status = ANY(:statuses) ]]
    [[ AND b.vin = :vin ]]
    [[ AND (b.group_id = :group_id OR b.id = :group_id)
        AND coalesce(b.group_id, b.id) = :group_id ]]
    [[ AND b.id IN (SELECT a.booking_id FROM allocations a
        WHERE {tenant a} AND a.active AND a.resource_id = ANY(:resource_ids)) ]]"""
COUNT = "SELECT count(DISTINCT coalesce(b.group_id, b.id)) AS total FROM bookings b"
COUNT_GROUPS = Statement(f"{COUNT} {FILTERED}")
# A page of groups shows each group at its first matching line in (sort_at, id) order. Walking
# the matching lines in that order from the (tenant, sort_at, id) index, a group's first line
# comes first, so the page's groups are the first distinct keys met: the walk reads about as
# many lines as the groups up to the page's end hold, however many the tenant has.
GROUP_WALK = Statement(
    f"""SELECT coalesce(b.group_id, b.id) AS key, b.sort_at, b.id FROM bookings b {FILTERED}
    AND b.sort_at >= :sort_from AND b.sort_at < :sort_to
    [[ AND b.sort_at >= :after_at AND (b.sort_at > :after_at OR b.id > :after_id) ]]
    ORDER BY b.sort_at, b.id LIMIT :limit"""
)
GROUP_WALK_MAX_BATCH = 5000
# The sort_at range is implied by the date range (see ``_sort_window``); it lets the page walk
# the (tenant, sort_at, id) index from the window's start or the cursor and stop after
# ``limit`` rows, instead of passing every earlier booking of the tenant.
SLICE = Statement(
    f"""SELECT {COLUMNS} {FROM} {FILTERED}
    AND b.sort_at >= :sort_from AND b.sort_at < :sort_to
    [[ AND b.sort_at >= :after_at AND (b.sort_at > :after_at OR b.id > :after_id) ]]
    ORDER BY b.sort_at, b.id LIMIT :limit"""
)


def to_booking(row: Row) -> Booking:
    return Booking(
        id=BookingId(row["id"]),
        tenant_id=TenantId(row["tenant_id"]),
        workshop_id=WorkshopId(row["workshop_id"]) if row["workshop_id"] else None,
        time_zone=row["time_zone"] or "UTC",
        status=BookingStatus(row["status"]),
        source=row["source"],
        external_id=row["external_id"],
        vin=row["vin"],
        dealer_number=row["dealer_number"],
        fleet_id=row["fleet_id"],
        external_workshop_id=row["external_workshop_id"],
        reason_key=row["reason_key"],
        reason_text=row["reason_text"],
        appointment=Appointment(
            precision=Precision(row["appointment_precision"]),
            local_date=row["appointment_date"],
            starts_at=row["appointment_at"],
        ),
        booking_created_at=row["booking_created_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        cancelled_at=row["cancelled_at"],
        revision=row["revision"],
        group_id=row["group_id"],
        service_id=row["service_id"],
        ends_at=row["ends_at"],
        spots=row["spots"],
        customer_id=row["customer_id"],
        reservation_id=row["reservation_id"],
        resource_ids=tuple(row["resource_ids"] or ()),
        details=row["details"] or {},
        participants=tuple(row["participants"] or ()),
    )


def booking_values(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.id,
        "workshop_id": booking.workshop_id,
        "status": booking.status.value,
        "source": booking.source,
        "external_id": booking.external_id,
        "vin": booking.vin,
        "dealer_number": booking.dealer_number,
        "fleet_id": booking.fleet_id,
        "external_workshop_id": booking.external_workshop_id,
        "reason_key": booking.reason_key,
        "reason_text": booking.reason_text,
        "appointment_precision": booking.appointment.precision.value,
        "appointment_date": booking.appointment.local_date,
        "appointment_at": booking.appointment.starts_at,
        "booking_created_at": booking.booking_created_at,
        "updated_at": booking.updated_at,
        "cancelled_at": booking.cancelled_at,
        "revision": booking.revision,
        "group_id": booking.group_id,
        "service_id": booking.service_id,
        "ends_at": booking.ends_at,
        "spots": booking.spots,
        "customer_id": booking.customer_id,
        "reservation_id": booking.reservation_id,
        "resource_ids": list(booking.resource_ids) or None,
        "details": dict(booking.details) or None,
        "participants": [dict(p) for p in booking.participants] or None,
        "sort_at": booking.sort_at,
    }


def _filter(f: BookingFilter) -> dict[str, Any]:
    """The parameters of ``FILTERED``; an empty list of workshops or statuses means any, an
    empty list of resources matches nothing (``None``: any)."""
    return {
        "date_from": f.date_from,
        "date_to": f.date_to,
        "workshop_ids": list(f.workshop_ids) or None,
        "statuses": [s.value for s in f.statuses] or None,
        "vin": f.vin or None,
        "group_id": f.group_id or None,
        "resource_ids": list(f.resource_ids) if f.resource_ids is not None else None,
    }


def _sort_window(f: BookingFilter) -> dict[str, datetime]:
    """A sort_at range holding every booking of the date range. Every instant of a local date
    lies between 14 hours before and 36 hours after that date's midnight in UTC (UTC offsets
    span -12 to +14 hours); a date-only appointment sorts at its local midnight."""
    return {
        "sort_from": datetime.combine(f.date_from, time(0), UTC) - timedelta(days=1),
        "sort_to": datetime.combine(f.date_to, time(0), UTC) + timedelta(days=2),
    }


class BookingRepository(ScopedRepository):
    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking | None:
        row = await self._fetchrow(GET_LOCKED if for_update else GET, id=booking_id)
        return to_booking(row) if row else None

    async def get_by_key(
        self, source: str, external_id: str, *, for_update: bool = False
    ) -> Booking | None:
        statement = GET_BY_KEY_LOCKED if for_update else GET_BY_KEY
        row = await self._fetchrow(statement, source=source, external_id=external_id)
        return to_booking(row) if row else None

    async def find_by_external_id(
        self, external_id: str, source: str | None = None, *, for_update: bool = False
    ) -> list[Booking]:
        statement = FIND_BY_EXTERNAL_ID_LOCKED if for_update else FIND_BY_EXTERNAL_ID
        rows = await self._fetch(statement, external_id=external_id, source=source)
        return [to_booking(r) for r in rows]

    async def active_for_vehicle(
        self, vin: str, *, since: date, exclude: str | None = None
    ) -> Booking | None:
        """The tenant's active booking of this vehicle on ``since`` or later, whatever workshop
        (a tenant policy)."""
        row = await self._fetchrow(
            ACTIVE_FOR_VEHICLE, vin=vin, statuses=ACTIVE_VALUES, since=since, exclude=exclude
        )
        return to_booking(row) if row else None

    async def insert_if_absent(self, booking: Booking) -> bool:
        """Insert unless the (tenant, source, external id) key exists; True if inserted.

        Race-free on both databases: the unique constraint decides, not a prior read.
        """
        row = await self._fetchrow(
            INSERT_IF_ABSENT, created_at=booking.created_at, **booking_values(booking)
        )
        return row is not None

    async def update(self, booking: Booking, *, expected_revision: int) -> None:
        """Write ``booking`` if its stored revision is still ``expected_revision``."""
        row = await self._fetchrow(
            UPDATE, expected_revision=expected_revision, **booking_values(booking)
        )
        if row is None:
            raise Conflict(f"Booking {booking.id} was changed concurrently")

    async def add(self, booking: Booking) -> None:
        await self._execute(ADD, created_at=booking.created_at, **booking_values(booking))

    async def in_group(self, group_id: str) -> list[Booking]:
        return [to_booking(r) for r in await self._fetch(IN_GROUP, group_id=group_id)]

    async def of_workshop(self, workshop_id: str) -> list[Booking]:
        return [to_booking(r) for r in await self._fetch(OF_WORKSHOP, workshop_id=workshop_id)]

    # -- workshop operations -------------------------------------------------------------

    async def group_page(self, f: BookingFilter, offset: int, limit: int) -> tuple[list[str], bool]:
        """Keys of the groups ``offset .. offset + limit`` of those matching ``f``, ordered by
        each group's first line in (start, id) order, and whether more groups follow."""
        wanted = offset + limit + 1  # one more tells whether another page follows
        seen: dict[str, None] = {}  # insertion-ordered: the walk's order is the page's order
        params = {**_filter(f), **_sort_window(f)}
        after: tuple[datetime | None, str | None] = (None, None)
        batch = min(max(2 * wanted, 64), GROUP_WALK_MAX_BATCH)
        while len(seen) < wanted:
            rows = await self._fetch(
                GROUP_WALK, after_at=after[0], after_id=after[1], limit=batch, **params
            )
            for row in rows:
                seen.setdefault(row["key"])
            if len(rows) < batch:
                break
            after = (rows[-1]["sort_at"], rows[-1]["id"])
            batch = min(batch * 2, GROUP_WALK_MAX_BATCH)
        keys = list(seen)
        return keys[offset : offset + limit], len(keys) > offset + limit

    async def count_groups(self, f: BookingFilter) -> int:
        """How many groups match ``f``: reads every matching line of the date range."""
        counted = await self._fetchrow(COUNT_GROUPS, **_filter(f))
        return int(counted["total"]) if counted else 0

    async def in_groups(self, keys: list[str], *, for_update: bool = False) -> list[Booking]:
        if not keys:
            return []
        statement = IN_GROUPS_LOCKED if for_update else IN_GROUPS
        return [to_booking(r) for r in await self._fetch(statement, keys=list(keys))]

    async def slice(
        self, f: BookingFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[tuple[datetime, Booking]]:
        """Keyset page in (sort_at, id) order, strictly after ``after``."""
        at, booking_id = after if after is not None else (None, None)
        rows = await self._fetch(
            SLICE, after_at=at, after_id=booking_id, limit=limit, **_filter(f), **_sort_window(f)
        )
        # The stored sort key, not one recomputed: the cursor must match what SQL compares.
        return [(r["sort_at"], to_booking(r)) for r in rows]

"""The dealer import's reads and writes, shaped for its hot path.

One read per push (``context``): the tenant's policies, the booking under the key and the
candidate workshops, in one statement. One write: on PostgreSQL the booking and its audit event
in one statement (a data-modifying CTE, atomic by itself, so no BEGIN/COMMIT round trips); on
SQLite the two INSERTs in one transaction of the serialised writer.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.audit import APPEND, event_values
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.repositories.bookings import (
    COLUMNS,
    INSERT_COLUMNS,
    INSERT_VALUES,
    UPDATE,
    booking_values,
    to_booking,
)
from booking_gateway.db.repositories.tenants import settings_from_document
from booking_gateway.db.statements import Statement
from booking_gateway.domain.dealer_import import (
    CancelContext,
    ImportConfig,
    ImportContext,
    ImportLookup,
    Inserted,
    InsertResult,
    WorkshopLink,
)
from booking_gateway.domain.ids import WorkshopId
from booking_gateway.domain.models import AuditEvent, Booking

CONTEXT = Statement(
    f"""SELECT t.settings AS tenant_settings, coalesce(t.config_revision, 0) AS config_revision,
        wr.id AS ref_id, wr.time_zone AS ref_time_zone,
        wd.id AS dealer_id, wd.time_zone AS dealer_time_zone,
        wo.id AS own_id, wo.time_zone AS own_time_zone,
        {COLUMNS}
    FROM (SELECT 1 AS one) AS one
    LEFT JOIN tenants t ON {{scope t}}
    LEFT JOIN bookings b ON {{scope b}} AND b.source = :source AND b.external_id = :external_id
    LEFT JOIN workshops w ON {{tenant w}} AND w.id = b.workshop_id
    LEFT JOIN workshops wr ON {{scope wr}}
        AND wr.id = CASE WHEN :keep_ref THEN b.external_workshop_id ELSE :workshop_ref END
    LEFT JOIN workshops wd ON {{tenant wd}} AND wd.dealer_number = :dealer
    LEFT JOIN workshops wo ON {{scope wo}} AND wo.id = :own"""
)
# ``w`` (the booking's own workshop, for its time zone) needs only the tenant: ``b`` is scoped.
# ``wd`` is tenant-wide on purpose: "another workshop's dealer number" (forbidden) must differ
# from "unknown dealer number" (kept unlinked).

CANCEL_CONTEXT = Statement(
    f"""SELECT t.settings AS tenant_settings, {COLUMNS}
    FROM (SELECT 1 AS one) AS one
    LEFT JOIN tenants t ON {{scope t}}
    LEFT JOIN bookings b ON {{scope b}} AND b.external_id = :external_id
        [[AND b.source = :source]]
    LEFT JOIN workshops w ON {{tenant w}} AND w.id = b.workshop_id
    ORDER BY b.source LIMIT 10"""
)

_AUDIT_FROM = """INSERT INTO audit_events (tenant_id, booking_id, action, occurred_at,
        actor_subject, user_agent, request_id, before, after)
    SELECT :tenant, written.id, :action, :occurred_at, :actor_subject, :user_agent,
        :request_id, :before, :after FROM written RETURNING booking_id"""
# A locking read: a configuration change still in flight is waited for and its revision seen,
# so a push can never commit with the configuration that change replaces.
_REVISION = "coalesce((SELECT t.config_revision FROM tenants t WHERE {scope t} FOR SHARE), 0)"
# The booking, only while the configuration it was built from is current (a cached one may be
# stale: another process changed a workshop or the settings), and only if its key is free.
# (The tenant is cast: PostgreSQL must deduce one type for it, here and in the revision check.)
_SELECTED = INSERT_VALUES.replace(":tenant,", "CAST(:tenant AS VARCHAR(64)),", 1)
INSERT_CURRENT = Statement(
    f"""INSERT INTO bookings ({INSERT_COLUMNS}) SELECT {_SELECTED}
    WHERE {_REVISION} = :config_revision
    ON CONFLICT (tenant_id, source, external_id) DO NOTHING RETURNING id"""
)
# PostgreSQL: the booking, its audit event and the current revision in one statement.
# PostgreSQL, in one statement: the booking and its audit event, the current revision and, when
# the key was taken, the booking under it (a retried push is answered without another read).
INSERT_RECORDED = Statement(
    f"""WITH written AS ({INSERT_CURRENT.sql}), recorded AS ({_AUDIT_FROM})
    SELECT (SELECT booking_id FROM recorded) AS recorded_id, {_REVISION} AS config_revision,
        {COLUMNS}
    FROM (SELECT 1 AS one) AS one
    LEFT JOIN bookings b ON {{scope b}} AND b.source = :source AND b.external_id = :external_id
        AND NOT EXISTS (SELECT 1 FROM written)
    LEFT JOIN workshops w ON {{tenant w}} AND w.id = b.workshop_id"""
)
CURRENT_REVISION = Statement(f"SELECT {_REVISION} AS config_revision")
UPDATE_RECORDED = Statement(f"WITH written AS ({UPDATE.sql}) {_AUDIT_FROM}")

# Configurations read, by database, scope and lookup; an entry is only ever used as far as the
# write's revision check allows, so a stale one costs one more read, never a wrong booking.
CONFIG_CACHE_SIZE = 4096
_configs: OrderedDict[tuple[Any, ...], ImportConfig] = OrderedDict()


def _link(row: Row, prefix: str) -> WorkshopLink | None:
    found = row[f"{prefix}_id"]
    return WorkshopLink(WorkshopId(found), row[f"{prefix}_time_zone"]) if found else None


class DealerImportRepository(ScopedRepository):
    def _config_key(self, lookup: ImportLookup) -> tuple[Any, ...]:
        ref = None if lookup.keep_workshop_ref else lookup.workshop_ref
        return (self._db.url, self._scope, lookup.dealer, ref, lookup.own_workshop)

    def cached_config(self, lookup: ImportLookup) -> ImportConfig | None:
        """The configuration this process read last for such a push, if any (no I/O)."""
        if lookup.keep_workshop_ref:
            return None  # depends on the stored booking
        return _configs.get(self._config_key(lookup))

    async def context(self, lookup: ImportLookup) -> ImportContext:
        row = await self._fetchrow(
            CONTEXT,
            source=lookup.source,
            external_id=lookup.external_id,
            keep_ref=lookup.keep_workshop_ref,
            workshop_ref=lookup.workshop_ref,
            dealer=lookup.dealer,
            own=lookup.own_workshop,
        )
        assert row is not None  # noqa: S101 - one row always (outer joins on a constant)
        config = ImportConfig(
            settings=settings_from_document(row["tenant_settings"]),
            by_ref=_link(row, "ref"),
            by_dealer=_link(row, "dealer"),
            own=_link(row, "own"),
            revision=row["config_revision"],
        )
        if not lookup.keep_workshop_ref:
            key = self._config_key(lookup)
            _configs[key] = config
            _configs.move_to_end(key)
            if len(_configs) > CONFIG_CACHE_SIZE:
                _configs.popitem(last=False)
        return ImportContext(config, to_booking(row) if row["id"] is not None else None)

    async def current_revision(self) -> int:
        row = await self._fetchrow(CURRENT_REVISION)
        return int(row["config_revision"]) if row else 0

    async def cancel_context(self, external_id: str, source: str | None) -> CancelContext:
        rows = await self._fetch(CANCEL_CONTEXT, external_id=external_id, source=source)
        return CancelContext(
            settings=settings_from_document(rows[0]["tenant_settings"] if rows else None),
            matches=[to_booking(r) for r in rows if r["id"] is not None],
        )

    async def insert(
        self, booking: Booking, event: AuditEvent, config_revision: int
    ) -> InsertResult:
        """Store a new booking and its audit event if its key is free and the configuration it
        was built from (``config_revision``) is still current."""
        values = {
            **booking_values(booking),
            "created_at": booking.created_at,
            "config_revision": config_revision,
        }
        if self._dialect == "postgresql":
            row = await self._fetchrow(INSERT_RECORDED, **values, **event_values(event))
            assert row is not None  # noqa: S101 - one row always (outer joins on a constant)
            if row["recorded_id"] is not None:
                return InsertResult(Inserted.INSERTED)
            if row["config_revision"] != config_revision:
                return InsertResult(Inserted.STALE)
            return InsertResult(Inserted.EXISTS, to_booking(row) if row["id"] else None)
        async with self._db.atomic():
            if await self._fetchrow(INSERT_CURRENT, **values) is not None:
                await self._execute(APPEND, **event_values(event))
                return InsertResult(Inserted.INSERTED)
            found = await self._fetchrow(CURRENT_REVISION)
        current = found["config_revision"] if found else 0
        return InsertResult(Inserted.EXISTS if current == config_revision else Inserted.STALE)

    async def update(self, booking: Booking, expected_revision: int, event: AuditEvent) -> bool:
        values: dict[str, Any] = {**booking_values(booking), "expected_revision": expected_revision}
        if self._dialect == "postgresql":
            row = await self._fetchrow(UPDATE_RECORDED, **values, **event_values(event))
            return row is not None
        async with self._db.atomic():
            if await self._fetchrow(UPDATE, **values) is None:
                return False
            await self._execute(APPEND, **event_values(event))
        return True

"""Demo data for ``serve --demo`` and ``seed-demo``: one tenant, two workshops, a few bookings.
Goes through the services like any client, so it is audited and idempotent."""

from __future__ import annotations

from booking_gateway.auth import ALL_SCOPES, Principal
from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.ids import RequestId, TenantId
from booking_gateway.domain.models import RequestMeta
from booking_gateway.domain.services.admin import AdminService
from booking_gateway.domain.services.dealer_import import DealerImportService, ImportInput

DEMO_TENANT = "demo"
WORKSHOPS = (
    ("Demo Motors Copenhagen", "Europe/Copenhagen", "DEU12345N"),
    ("Demo Motors Aarhus", "Europe/Copenhagen", "DEU67890N"),
)
BOOKINGS = (
    ImportInput(
        "user", "D-1000", "DEU12345N", "WV1ZZZ1JZXW000001", "2022-01-12", "service", "Service"
    ),
    ImportInput(
        "dms",
        "A-1001",
        "DEU12345N",
        "WVWZZZAUZKW123456",
        "2026-12-01T08:30:00Z",
        "service",
        "Annual service",
    ),
    ImportInput(
        "dms",
        "A-1002",
        "DEU67890N",
        "WAUZZZ8V5KA000002",
        "2026-12-02T12:00:00+01:00",
        "tyres",
        "Tyre change",
    ),
)


async def seed_demo(db: Db) -> None:
    principal = Principal(
        tenant=TenantId(DEMO_TENANT), subject="seed-demo", scopes=frozenset(ALL_SCOPES.split())
    )
    uow = SqlUnitOfWork(db, TenantScope(principal.tenant))
    admin = AdminService(uow, principal)
    known = {w.dealer_number for w in await admin.workshops()}
    for name, zone, dealer in WORKSHOPS:
        if dealer not in known:
            await admin.create_workshop(name, zone, dealer)
    importer = DealerImportService(uow, principal, RequestMeta(RequestId("seed-demo")))
    for booking in BOOKINGS:
        if await uow.read().bookings.get_by_key(booking.booking_source, booking.booking_id):
            continue
        await importer.add(booking)

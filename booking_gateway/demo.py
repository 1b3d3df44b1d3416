"""Demo data for ``serve --demo`` and ``seed-demo``: one tenant with two workshops, their hours
and resources, a small service catalog, and a few imported bookings. Goes through the services
like any client, so it is validated, audited and idempotent.

Dates come from the clock it is given, never from fixed years: the holidays are the next ones
from the day of seeding, and the imported bookings lie about a week ahead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.catalog import (
    CustomField,
    CustomFieldType,
    InformationQuestion,
    PriceCategory,
    ScreeningQuestion,
)
from booking_gateway.domain.ids import RequestId, TenantId
from booking_gateway.domain.models import RequestMeta
from booking_gateway.domain.principal import ALL_SCOPES, Principal
from booking_gateway.services import Clock, utc_now
from booking_gateway.services.admin import AdminService
from booking_gateway.services.catalog import CatalogService, ServiceInput, WorkshopChange
from booking_gateway.services.dealer_import import DealerImportService, ImportInput

DEMO_TENANT = "demo"
DEMO_TIME_ZONE = "Europe/Copenhagen"
WEEK = {
    **{day: [("07:30", "16:30")] for day in range(5)},
    5: [("09:00", "13:00")],
}
# (month, day): that day's hours, replacing the week's; [] is closed.
HOLIDAYS: dict[tuple[int, int], list[tuple[str, str]]] = {
    (12, 24): [],
    (12, 25): [],
    (12, 26): [],
    (12, 31): [("09:00", "12:00")],
}
WORKSHOPS = (
    (
        "Demo Motors Copenhagen",
        "DEU12345N",
        "Vesterbrogade 1",
        "1620",
        "København",
        55.673,
        12.56,
        {"lift": 3, "technician": 2, "wash-bay": 1},
    ),
    (
        "Demo Motors Aarhus",
        "DEU67890N",
        "Søndergade 1",
        "8000",
        "Aarhus",
        56.153,
        10.207,
        {"lift": 2, "technician": 1},
    ),
)


def special_days(today: date) -> dict[str, list[tuple[str, str]]]:
    """Each holiday's next occurrence on or after ``today``, by ISO date."""
    days = {}
    for (month, day), hours in HOLIDAYS.items():
        when = date(today.year, month, day)
        if when < today:
            when = date(today.year + 1, month, day)
        days[when.isoformat()] = hours
    return dict(sorted(days.items()))


def _working_day(day: date, closed: dict[str, list[tuple[str, str]]]) -> date:
    """``day`` or the first day after it that is a weekday with regular hours."""
    while day.weekday() >= 5 or day.isoformat() in closed:
        day += timedelta(days=1)
    return day


def _bookings(today: date) -> tuple[ImportInput, ...]:
    """An old booking by date only, and two from a dealer system about a week ahead (one in
    UTC, one in local time with its offset)."""
    holidays = special_days(today)
    first = _working_day(today + timedelta(days=7), holidays)
    second = _working_day(first + timedelta(days=1), holidays)
    local_noon = datetime.combine(second, time(12), tzinfo=ZoneInfo(DEMO_TIME_ZONE))
    return (
        ImportInput(
            "user", "D-1000", "DEU12345N", "WV1ZZZ1JZXW000001", "2022-01-12", "service", "Service"
        ),
        ImportInput(
            "dms",
            "A-1001",
            "DEU12345N",
            "WVWZZZAUZKW123456",
            f"{first.isoformat()}T08:30:00Z",
            "service",
            "Annual service",
        ),
        ImportInput(
            "dms",
            "A-1002",
            "DEU67890N",
            "WAUZZZ8V5KA000002",
            local_noon.isoformat(),
            "tyres",
            "Tyre change",
        ),
    )


def _catalog(workshop_ids: Sequence[str]) -> list[ServiceInput]:
    return [
        ServiceInput(
            names={"en": "Annual service", "da": "Årligt service", "de": "Jahresinspektion"},
            descriptions={
                "en": "Manufacturer's annual service with oil and filters.",
                "da": "Fabrikkens årlige service med olie og filtre.",
            },
            duration_minutes=120,
            workshop_ids=workshop_ids,
            capacity=3,
            group_max=1,
            buffer_after_minutes=15,
            required_resource_types=("lift", "technician"),
            resource_selection=True,
            price_categories=(
                PriceCategory("car", "Passenger car", "1995.00", "DKK"),
                PriceCategory("van", "Van", "2495.00", "DKK"),
            ),
            custom_fields=(
                CustomField(
                    "mileage",
                    "Mileage (km)",
                    CustomFieldType.NUMBER,
                    mandatory=True,
                    mandatory_error_message="Tell us the mileage",
                    max_length=7,
                ),
                CustomField(
                    "plate",
                    "Licence plate",
                    regex="[A-Z]{2} ?[0-9]{2} ?[0-9]{3}",
                    regex_error_message="Like AB 12 345",
                    max_length=9,
                ),
            ),
            information_questions=(InformationQuestion("notes", "Anything we should look at?"),),
            screening_questions=(
                ScreeningQuestion(
                    "driveable",
                    "Can the car be driven to the workshop?",
                    answer_denied_message="Call us for towing: +45 70 00 00 00",
                ),
            ),
        ),
        ServiceInput(
            names={"en": "Tyre change", "da": "Dækskift"},
            duration_minutes=30,
            workshop_ids=workshop_ids,
            capacity=2,
            required_resource_types=("lift",),
            price_categories=(PriceCategory("set", "Set of four", "450.00", "DKK"),),
            custom_fields=(
                CustomField("hotel", "Tyre hotel", CustomFieldType.DROPDOWN, values=("yes", "no")),
            ),
        ),
        ServiceInput(
            names={"en": "Car wash", "da": "Bilvask"},
            duration_minutes=20,
            workshop_ids=workshop_ids[:1],
            capacity=1,
            required_resource_types=("wash-bay",),
        ),
        ServiceInput(
            names={"en": "Diagnostics (staff only)", "da": "Fejlfinding"},
            duration_minutes=60,
            workshop_ids=workshop_ids,
            online_bookable=False,
            required_resource_types=("technician",),
        ),
    ]


async def seed_demo(db: Db, tenant: str = DEMO_TENANT, *, clock: Clock = utc_now) -> None:
    """Seed (or complete) the demo tenant; ``clock`` decides "today" for its dates."""
    today = clock().astimezone(ZoneInfo(DEMO_TIME_ZONE)).date()
    principal = Principal(
        tenant=TenantId(tenant), subject="seed-demo", scopes=frozenset(ALL_SCOPES.split())
    )
    uow = SqlUnitOfWork(db, TenantScope(principal.tenant))
    admin = AdminService(uow, principal, clock)
    catalog = CatalogService(uow, principal, clock)
    known = {w.dealer_number: w for w in await admin.workshops()}
    for name, dealer, street, zip_code, city, lat, lon, pool in WORKSHOPS:
        if dealer in known:
            continue
        workshop = await admin.create_workshop(name, DEMO_TIME_ZONE, dealer)
        await catalog.update_workshop(
            workshop.id,
            WorkshopChange(
                address={"streetName": street, "zipCode": zip_code, "city": city, "country": "DK"},
                latitude=lat,
                longitude=lon,
                opening_hours=WEEK,
                special_days=special_days(today),
            ),
        )
        for kind, count in pool.items():
            for number in range(1, count + 1):
                await catalog.create_resource(workshop.id, kind, f"{kind.title()} {number}")
        known[dealer] = workshop
    if not await catalog.services():
        ids = [known[dealer].id for _, dealer, *_ in WORKSHOPS]
        definitions = _catalog(ids)
        service, tyres, wash, _ = [await catalog.save_service(d) for d in definitions]
        # The three customer services combine into one visit.
        combos = ((service, (tyres.id, wash.id)), (tyres, (service.id,)), (wash, (service.id,)))
        for index, (saved, others) in enumerate(combos):
            await catalog.save_service(
                replace(definitions[index], combinable_with=others), saved.id
            )
        await catalog.create_service_group(
            {"en": "Maintenance", "da": "Vedligehold"}, [service.id, tyres.id], 0
        )
        await catalog.create_service_group({"en": "Care", "da": "Pleje"}, [wash.id], 1)
    importer = DealerImportService(uow, principal, RequestMeta(RequestId("seed-demo")), clock)
    for booking in _bookings(today):
        if await uow.read().bookings.get_by_key(booking.booking_source, booking.booking_id):
            continue
        await importer.add(booking)

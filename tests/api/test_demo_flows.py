"""The 003 flow and a 004-style one-step booking against the demo data, as GraphiQL users run
them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from booking_gateway.db.engine import Db
from booking_gateway.demo import seed_demo, special_days
from tests.api.online import CONFIRM, CREATE_BOOKING, CUSTOMER, RESERVE, TIMESLOTS, future_day
from tests.conftest import Api, ManualClock

CATALOG = """
{
  workshops { id name dealerNumber specialDays { date } }
  serviceGroups { name services { id name } }
  services { id name onlineBookable customFields { id isMandatory }
             screeningQuestions { id } combinableWith }
}"""


def next_working_day(after: date) -> date:
    """A weekday with the demo's regular hours: not a weekend (closed but for Saturday
    mornings) nor one of its holidays."""
    closed = special_days(after)
    day = after
    while day.weekday() >= 5 or day.isoformat() in closed:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (
            date(2026, 6, 10),
            {"2026-12-24": [], "2026-12-25": [], "2026-12-26": [], "2026-12-31": ["09:00-12:00"]},
        ),
        (
            date(2026, 12, 25),
            {"2026-12-25": [], "2026-12-26": [], "2026-12-31": ["09:00-12:00"], "2027-12-24": []},
        ),
        (
            date(2027, 1, 1),
            {"2027-12-24": [], "2027-12-25": [], "2027-12-26": [], "2027-12-31": ["09:00-12:00"]},
        ),
    ],
)
def test_demo_holidays_are_the_next_ones_from_the_day_of_seeding(
    today: date, expected: dict[str, list[str]]
) -> None:
    found = {day: [f"{a}-{b}" for a, b in hours] for day, hours in special_days(today).items()}
    assert found == expected


async def test_demo_data_supports_the_003_and_004_flows(
    api: Api, db: Db, clock: ManualClock
) -> None:
    # given the demo data in a fresh tenant, seeded today by the suite's clock
    await seed_demo(db, api.tenant, clock=clock)
    catalog = await api.ok(CATALOG)
    copenhagen = next(w for w in catalog["workshops"] if w["dealerNumber"] == "DEU12345N")
    assert [d["date"] for d in copenhagen["specialDays"]] == list(special_days(future_day(0)))
    by_name = {s["name"]: s for s in catalog["services"]}
    annual, tyres = by_name["Annual service"], by_name["Tyre change"]
    assert tyres["id"] in annual["combinableWith"]
    assert [g["name"] for g in catalog["serviceGroups"]] == ["Maintenance", "Care"]
    day = next_working_day(future_day(3))

    # when a front end lists slots, reserves the first and confirms it (003)
    slots = await api.ok(
        TIMESLOTS,
        {
            "workshopId": copenhagen["id"],
            "serviceIds": [annual["id"]],
            "from": day.isoformat(),
            "to": day.isoformat(),
        },
    )
    first = slots["timeslots"]["days"][0]["startsAt"][0]
    held = await api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": copenhagen["id"],
                "serviceIds": [annual["id"]],
                "startsAt": first,
            }
        },
    )
    reservation_id = held["reserveTimeslot"]["reservation"]["id"]
    details = {
        "customer": CUSTOMER,
        "customFieldValues": [
            {"id": "mileage", "value": "61000"},
            {"id": "plate", "value": "AB 12 345"},
        ],
        "answers": [{"questionId": "driveable", "answer": "yes"}],
        "quantities": [{"priceCategoryId": "car", "quantity": 1}],
    }
    confirmed = await api.ok(
        CONFIRM, {"input": {"reservationId": reservation_id, "details": details}}
    )

    # and a partner books service + tyres in one step (004)
    visit = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": copenhagen["id"],
                "serviceIds": [annual["id"], tyres["id"]],
                "startsAt": slots["timeslots"]["days"][0]["startsAt"][-12],
                "details": {
                    **details,
                    "quantities": [],
                    "vin": "WVWZZZAUZKW123456",
                    "customFieldValues": [
                        *details["customFieldValues"],
                        {"id": "hotel", "value": "yes"},
                    ],
                },
            }
        },
    )

    # then both are booked with the demo catalog's rules satisfied
    assert confirmed["confirmReservation"]["__typename"] == "BookingSuccess", confirmed
    assert visit["createBooking"]["__typename"] == "BookingSuccess", visit
    lines = visit["createBooking"]["bookings"]
    assert [b["service"]["name"] for b in lines] == ["Annual service", "Tyre change"]
    assert {r["type"] for r in lines[0]["resources"]} == {"lift", "technician"}

"""A timeslots request sends a fixed, small number of statements (a count, not a timing): the
catalog it needs (tenant settings, workshop, services, resources) in one read and the busy
lines (bookings and live holds) in another, on both databases, whatever the workshop holds."""

from __future__ import annotations

from typing import Any

import pytest

from booking_gateway.db.engine import Db
from tests.api.online import (
    CREATE_BOOKING,
    CUSTOMER,
    RESERVE,
    TIMESLOTS,
    future_day,
    local_at,
    resource,
    service,
    workshop,
)
from tests.conftest import Api

EXPECTED = 2  # the catalog, then the busy lines


async def _timeslots(api: Api, db: Db, variables: dict[str, Any]) -> tuple[list[str], Any]:
    sent: list[str] = []
    async with db.observe(sent.append):
        data = await api.ok(TIMESLOTS, variables)
    return sent, data


@pytest.mark.parametrize("services", [1, 2])
async def test_timeslots_send_two_statements(api: Api, db: Db, services: int) -> None:
    # given a workshop with resources, a booking and a live hold
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift 1")
    await resource(api, workshop_id, "lift", "Lift 2")
    await resource(api, workshop_id, "washer", "Wash bay")
    oil = await service(api, workshop_id, requiredResourceTypes=["lift"], maxNumberOfReservations=2)
    ids = [oil]
    if services == 2:
        wash = await service(
            api,
            workshop_id,
            durationMinutes=30,
            requiredResourceTypes=["washer"],
            combinableWith=ids,
            names=[{"language": "en", "text": "Car wash"}],
        )
        ids.append(wash)
    day = future_day()
    booked = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": ids[:1],
                "startsAt": local_at(day, "09:00"),
                "details": {"customer": CUSTOMER},
            }
        },
    )
    assert booked["createBooking"]["__typename"] == "BookingSuccess", booked
    held = await api.ok(
        RESERVE,
        {"input": {"workshopId": workshop_id, "serviceIds": ids[:1],
                   "startsAt": local_at(day, "11:00")}},
    )  # fmt: skip
    assert held["reserveTimeslot"]["__typename"] == "ReserveTimeslotSuccess", held

    # when
    variables = {"workshopId": workshop_id, "serviceIds": ids, "from": str(day), "to": str(day)}
    sent, data = await _timeslots(api, db, variables)

    # then
    assert data["timeslots"]["days"], data
    assert len(sent) == EXPECTED, sent
    assert all(s.split()[0].upper() in {"SELECT", "WITH"} for s in sent), sent


async def test_unknown_workshop_and_service_are_still_not_found(api: Api, db: Db) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    day = str(future_day())
    for variables in (
        {"workshopId": "nope", "serviceIds": [service_id], "from": day, "to": day},
        {"workshopId": workshop_id, "serviceIds": ["nope"], "from": day, "to": day},
    ):
        sent: list[str] = []
        async with db.observe(sent.append):
            response = await api.post(TIMESLOTS, variables)
        assert len(sent) == 1, sent
        assert "NOT_FOUND" in response.text, response.text

"""Resources as BokaMera books them: a customer may choose one resource of each type the
services need, checked against the service."""

from __future__ import annotations

from typing import Any

from tests.api.online import (
    CREATE_BOOKING,
    CUSTOMER,
    TIMESLOTS,
    future_day,
    local_at,
    resource,
    service,
    workshop,
)
from tests.conftest import Api

DAY = future_day(3)


async def setting(api: Api) -> dict[str, Any]:
    """A service needing a lift and a technician, which customers may choose."""
    workshop_id = await workshop(api)
    lifts = [await resource(api, workshop_id, "lift", f"Lift {n}") for n in (1, 2)]
    people = [await resource(api, workshop_id, "technician", f"Tech {n}") for n in (1, 2)]
    service_id = await service(
        api,
        workshop_id,
        requiredResourceTypes=["lift", "technician"],
        resourceSelection=True,
        maxNumberOfReservations=4,
    )
    return {"workshop": workshop_id, "service": service_id, "lifts": lifts, "people": people}


def booking(s: dict[str, Any], start: str, chosen: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "input": {
            "workshopId": s["workshop"],
            "serviceIds": [s["service"]],
            "startsAt": start,
            "requestedResources": chosen,
            "details": {"customer": CUSTOMER},
        }
    }


async def test_a_booking_gets_the_resource_of_each_type_the_customer_chose(api: Api) -> None:
    # given two lifts and two technicians
    s = await setting(api)

    # when the customer chooses the second of each
    chosen = [
        {"resourceId": s["lifts"][1], "resourceType": "lift"},
        {"resourceId": s["people"][1]},
    ]
    made = await api.ok(CREATE_BOOKING, booking(s, local_at(DAY, "09:00"), chosen))

    # then the booking holds exactly those two
    result = made["createBooking"]
    assert result["__typename"] == "BookingSuccess", result
    held = {r["id"] for r in result["bookings"][0]["resources"]}
    assert held == {s["lifts"][1], s["people"][1]}


async def test_choices_are_checked_against_the_service(api: Api) -> None:
    # given the setting
    s = await setting(api)
    start = local_at(DAY, "09:00")

    # when two lifts are chosen, a lift is said to be a technician, and an unknown id is given
    two = await api.ok(
        CREATE_BOOKING,
        booking(s, start, [{"resourceId": s["lifts"][0]}, {"resourceId": s["lifts"][1]}]),
    )
    mistyped = await api.ok(
        CREATE_BOOKING,
        booking(s, start, [{"resourceId": s["lifts"][0], "resourceType": "technician"}]),
    )
    unknown = await api.ok(CREATE_BOOKING, booking(s, start, [{"resourceId": "nope"}]))

    # then each is refused on its entry
    fields = [[f["field"] for f in r["createBooking"]["fields"]] for r in (two, mistyped, unknown)]
    assert fields == [
        ["requestedResources[1].resourceId"],
        ["requestedResources[0].resourceId"],
        ["requestedResources[0].resourceId"],
    ]


async def test_timeslots_offer_only_starts_where_the_chosen_resources_are_free(api: Api) -> None:
    # given the second lift taken at 09:00
    s = await setting(api)
    taken = [{"resourceId": s["lifts"][1]}]
    first = await api.ok(CREATE_BOOKING, booking(s, local_at(DAY, "09:00"), taken))
    assert first["createBooking"]["__typename"] == "BookingSuccess"

    # when starts are listed for the second lift, and for the first
    def ask(lift: str) -> dict[str, Any]:
        return {
            "workshopId": s["workshop"],
            "serviceIds": [s["service"]],
            "from": DAY.isoformat(),
            "to": DAY.isoformat(),
            "resources": [{"resourceId": lift}],
        }

    query = TIMESLOTS.replace(
        "$placement: Placement! = SEQUENTIAL)",
        "$placement: Placement! = SEQUENTIAL, $resources: [RequestedResourceInput!])",
    ).replace("placement: $placement)", "placement: $placement, requestedResources: $resources)")
    second = (await api.ok(query, ask(s["lifts"][1])))["timeslots"]["days"][0]["localStartsAt"]
    other = (await api.ok(query, ask(s["lifts"][0])))["timeslots"]["days"][0]["localStartsAt"]

    # then 09:00 is offered only on the free lift
    nine = local_at(DAY, "09:00")
    assert nine not in second
    assert nine in other

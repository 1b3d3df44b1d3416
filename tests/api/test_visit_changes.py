"""Whole-visit changes: an estimate or a new start for one line keeps the visit consistent, a
group is re-placed together or not at all, and request-and-confirm (PENDING) is decided by
staff."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from booking_gateway.auth import TokenIssuer
from tests.api.online import CREATE_BOOKING, CUSTOMER, book, local_at, resource, service, workshop
from tests.conftest import FIXED_NOW, Api

LINES = """
  __typename
  ... on TransitionBookingsSuccess {
    bookings { id status endsAt appointment { startsAt } resources { id } }
  }
  ... on SlotUnavailableError { code reason serviceId }
  ... on ValidationError { code fields { field message } }
  ... on InvalidTransitionError { code current }
"""
CONFIRM = (
    "mutation($target: BookingTargetInput!, $minutes: Int, $start: DateTime) {"
    " confirmBookings(target: $target, durationMinutes: $minutes, startsAt: $start) {"
    + LINES
    + "} }"
)
DECLINE = (
    "mutation($target: BookingTargetInput!, $reason: String!, $message: String) {"
    " declineBookings(target: $target, reason: $reason, messageToCustomer: $message) {"
    + LINES
    + "} }"
)
RESCHEDULE = """
mutation($id: ID!, $start: DateTime!) {
  rescheduleBooking(bookingId: $id, startsAt: $start) {
    __typename
    ... on BookingsChanged { bookings { id endsAt appointment { startsAt } resources { id } } }
    ... on SlotUnavailableError { code reason }
  }
}"""
GROUP = """
query($id: ID!) {
  bookingGroup(id: $id) {
    bookings { id status endsAt appointment { startsAt } resources { id } }
  }
}"""
DAY = (FIXED_NOW + timedelta(days=3)).date()


async def annual_and_tyres(api: Api, lifts: int = 2) -> dict[str, Any]:
    """A 60-minute annual service then a 30-minute tyre change, each on a lift, booked back
    to back at 10:00; returns the createBooking result."""
    workshop_id = await workshop(api)
    for n in range(lifts):
        await resource(api, workshop_id, "lift", f"Lift {n + 1}")
    annual = await service(
        api,
        workshop_id,
        durationMinutes=60,
        requiredResourceTypes=["lift"],
        maxNumberOfReservations=5,
    )
    tyres = await service(
        api,
        workshop_id,
        durationMinutes=30,
        requiredResourceTypes=["lift"],
        combinableWith=[annual],
        maxNumberOfReservations=5,
    )
    booked = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [annual, tyres],
                "startsAt": local_at(DAY, "10:00"),
                "details": {"customer": CUSTOMER},
            }
        },
    )
    result: dict[str, Any] = booked["createBooking"]
    assert result["__typename"] == "BookingSuccess", result
    result["workshopId"] = workshop_id
    result["serviceIds"] = [annual, tyres]
    return result


def span(line: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(line["appointment"]["startsAt"]), datetime.fromisoformat(
        line["endsAt"]
    )


async def lines_of(api: Api, group_id: str) -> list[dict[str, Any]]:
    found = await api.ok(GROUP, {"id": group_id})
    lines: list[dict[str, Any]] = found["bookingGroup"]["bookings"]
    return lines


async def test_an_estimate_for_the_first_line_moves_the_next_one_along(api: Api) -> None:
    # given an annual service 10:00-11:00 then tyres 11:00-11:30
    visit = await annual_and_tyres(api)
    first, _ = visit["bookings"]

    # when staff confirm the annual service with an estimate of 150 minutes
    confirmed = await api.ok(CONFIRM, {"target": {"bookingId": first["id"]}, "minutes": 150})

    # then the annual service runs 10:00-12:30 and the tyres follow at 12:30-13:00, still 30
    # minutes: the car is never on two lifts at once
    assert confirmed["confirmBookings"]["__typename"] == "TransitionBookingsSuccess", confirmed
    annual, tyres = await lines_of(api, visit["groupId"])
    start = datetime.fromisoformat(local_at(DAY, "10:00"))
    assert span(annual) == (start, start + timedelta(minutes=150))
    assert span(tyres) == (start + timedelta(minutes=150), start + timedelta(minutes=180))


async def test_an_estimate_names_one_line_never_a_whole_group(api: Api) -> None:
    # given a two-line visit
    visit = await annual_and_tyres(api)

    # when staff give an estimate for the group
    refused = await api.ok(CONFIRM, {"target": {"groupId": visit["groupId"]}, "minutes": 180})

    # then it is refused on durationMinutes, and both lines keep their lengths
    result = refused["confirmBookings"]
    assert result["__typename"] == "ValidationError"
    assert result["fields"][0]["field"] == "durationMinutes"
    annual, tyres = await lines_of(api, visit["groupId"])
    assert span(annual)[1] - span(annual)[0] == timedelta(minutes=60)
    assert span(tyres)[1] - span(tyres)[0] == timedelta(minutes=30)


async def test_rescheduling_one_line_moves_the_whole_visit(api: Api) -> None:
    # given an annual service 10:00-11:00 then tyres 11:00-11:30
    visit = await annual_and_tyres(api)
    first, _ = visit["bookings"]

    # when staff move the annual service to 13:00
    moved = await api.ok(RESCHEDULE, {"id": first["id"], "start": local_at(DAY, "13:00")})

    # then both lines moved: 13:00-14:00 and 14:00-14:30, and both are in the answer
    result = moved["rescheduleBooking"]
    assert result["__typename"] == "BookingsChanged", result
    assert result["bookings"][0]["id"] == first["id"]
    assert len(result["bookings"]) == 2
    annual, tyres = await lines_of(api, visit["groupId"])
    one = datetime.fromisoformat(local_at(DAY, "13:00"))
    assert span(annual) == (one, one + timedelta(hours=1))
    assert span(tyres) == (one + timedelta(hours=1), one + timedelta(minutes=90))


async def test_a_group_moves_together_or_not_at_all(api: Api) -> None:
    # given a visit on the workshop's only lift, and another car on it 14:00-15:00
    visit = await annual_and_tyres(api, lifts=1)
    blocker = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": visit["workshopId"],
                "serviceIds": [visit["serviceIds"][0]],
                "startsAt": local_at(DAY, "14:00"),
                "details": {"customer": CUSTOMER},
            }
        },
    )
    assert blocker["createBooking"]["__typename"] == "BookingSuccess"
    before = await lines_of(api, visit["groupId"])

    # when staff confirm the visit at 13:00 (its tyre change would need the lift at 14:00)
    refused = await api.ok(
        CONFIRM, {"target": {"groupId": visit["groupId"]}, "start": local_at(DAY, "13:00")}
    )
    # and then at 11:30, where both lines fit (overlapping where the visit is now)
    moved = await api.ok(
        CONFIRM, {"target": {"groupId": visit["groupId"]}, "start": local_at(DAY, "11:30")}
    )

    # then the first is refused naming the tyre change, and nothing moved
    result = refused["confirmBookings"]
    assert result["__typename"] == "SlotUnavailableError", result
    assert result["reason"] == "RESOURCE_BUSY"
    assert result["serviceId"] == visit["serviceIds"][1]
    # and the second moved both lines together
    assert moved["confirmBookings"]["__typename"] == "TransitionBookingsSuccess"
    annual, tyres = await lines_of(api, visit["groupId"])
    later = datetime.fromisoformat(local_at(DAY, "11:30"))
    assert span(annual) == (later, later + timedelta(hours=1))
    assert span(tyres) == (later + timedelta(hours=1), later + timedelta(minutes=90))
    assert before != [annual, tyres]


async def test_only_pending_lines_can_be_declined(api: Api) -> None:
    # given a confirmed visit
    visit = await annual_and_tyres(api)
    first, _ = visit["bookings"]

    # when staff decline it
    refused = await api.ok(DECLINE, {"target": {"bookingId": first["id"]}, "reason": "Full"})

    # then it is refused: only a pending request can be declined
    result = refused["declineBookings"]
    assert result["__typename"] == "InvalidTransitionError"
    assert result["current"] == "CONFIRMED"


SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) {
  updateTenantSettings(input: $input) { __typename }
}"""
READ = """
query($id: ID!) {
  booking(id: $id) {
    id status appointment { startsAt } cancellation { reason messageToCustomer }
  }
}"""


async def pending_request(api: Api, issuer: TokenIssuer) -> tuple[str, str, str]:
    """A tenant that confirms requests, a one-lift workshop, and a front end's booking at
    10:00; returns (workshop, service, booking)."""
    await api.ok(SETTINGS, {"input": {"bookingsNeedConfirmation": True}})
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift")
    service_id = await service(api, workshop_id, requiredResourceTypes=["lift"])
    frontend = api.as_(issuer.issue(tenant=api.tenant, subject="shop"))
    made = await book(frontend, workshop_id, [service_id], local_at(DAY, "10:00"))
    assert made["__typename"] == "BookingSuccess", made
    booking_id: str = made["bookings"][0]["id"]
    return workshop_id, service_id, booking_id


async def test_a_request_is_pending_and_holds_its_slot_until_staff_confirm_it_elsewhere(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a front end's request at 10:00 on the only lift, in a tenant that confirms them
    workshop_id, service_id, booking_id = await pending_request(api, issuer)
    pending = (await api.ok(READ, {"id": booking_id}))["booking"]

    # when another booking asks for 10:00, then staff confirm the request at 12:00
    taken = await book(api, workshop_id, [service_id], local_at(DAY, "10:00"))
    confirmed = await api.ok(
        CONFIRM, {"target": {"bookingId": booking_id}, "start": local_at(DAY, "12:00")}
    )
    freed = await book(api, workshop_id, [service_id], local_at(DAY, "10:00"))

    # then the request was PENDING and held the lift; confirmed, it runs at 12:00 and 10:00
    # is free again
    assert pending["status"] == "PENDING"
    assert taken["__typename"] == "SlotUnavailableError"
    [line] = confirmed["confirmBookings"]["bookings"]
    assert line["status"] == "CONFIRMED"
    assert span(line)[0] == datetime.fromisoformat(local_at(DAY, "12:00"))
    assert freed["__typename"] == "BookingSuccess"


async def test_a_declined_request_is_cancelled_with_its_reason_and_frees_its_slot(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a pending request at 10:00 on the only lift
    workshop_id, service_id, booking_id = await pending_request(api, issuer)

    # when staff decline it with a reason and a message
    declined = await api.ok(
        DECLINE,
        {
            "target": {"bookingId": booking_id},
            "reason": "No lift free that day",
            "message": "Sorry, try Thursday",
        },
    )
    again = await book(api, workshop_id, [service_id], local_at(DAY, "10:00"))

    # then it is cancelled with both kept on the booking, and its slot is free
    assert declined["declineBookings"]["bookings"][0]["status"] == "CANCELLED"
    read = (await api.ok(READ, {"id": booking_id}))["booking"]
    assert read["cancellation"] == {
        "reason": "No lift free that day",
        "messageToCustomer": "Sorry, try Thursday",
    }
    assert again["__typename"] == "BookingSuccess"


async def test_staff_bookings_and_services_that_opt_out_are_confirmed_at_once(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a tenant that confirms requests, and a service that opts out
    await api.ok(SETTINGS, {"input": {"bookingsNeedConfirmation": True}})
    workshop_id = await workshop(api)
    asks = await service(api, workshop_id)
    instant = await service(api, workshop_id, needsConfirmation=False)
    frontend = api.as_(issuer.issue(tenant=api.tenant, subject="shop"))

    # when staff book the first, and the front end books the second
    by_staff = await book(api, workshop_id, [asks], local_at(DAY, "09:00"))
    opted_out = await book(frontend, workshop_id, [instant], local_at(DAY, "11:00"))

    # then both are confirmed at once
    assert by_staff["bookings"][0]["status"] == "CONFIRMED"
    assert opted_out["bookings"][0]["status"] == "CONFIRMED"


async def test_two_moves_of_one_visit_at_once_leave_it_whole_in_one_place(api: Api) -> None:
    # given an annual service then tyres, back to back at 10:00 on the workshop's only lift
    visit = await annual_and_tyres(api, lifts=1)
    target = {"groupId": visit["groupId"]}

    # when staff move it to 12:00 and to 13:00 at the same time
    answers = await asyncio.gather(
        api.ok(CONFIRM, {"target": target, "start": local_at(DAY, "12:00")}),
        api.ok(CONFIRM, {"target": target, "start": local_at(DAY, "13:00")}),
    )

    # then both answered, and the visit is back to back at one of the two times
    assert all(a["confirmBookings"]["__typename"] for a in answers)
    annual, tyres = await lines_of(api, visit["groupId"])
    assert span(annual)[1] == span(tyres)[0]
    assert span(annual)[0] in {
        datetime.fromisoformat(local_at(DAY, "12:00")),
        datetime.fromisoformat(local_at(DAY, "13:00")),
    }
    # and the lift is free again at 10:00 (nothing of the visit stayed behind)
    again = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": visit["workshopId"],
                "serviceIds": [visit["serviceIds"][0]],
                "startsAt": local_at(DAY, "10:00"),
                "details": {"customer": CUSTOMER},
            }
        },
    )
    assert again["createBooking"]["__typename"] == "BookingSuccess"

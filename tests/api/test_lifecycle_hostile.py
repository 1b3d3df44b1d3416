"""Hostile input to the lifecycle mutations: NUL and lone surrogates in every new string
argument, retries, two at once, and another tenant's ids."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from booking_gateway.auth import TokenIssuer
from tests.api.online import CUSTOMER, book, future_day, local_at, resource, service, workshop
from tests.conftest import Api

HOSTILE = {"nul": "bad\x00text", "surrogate": "bad\ud800text"}
READ = """
query($id: ID!) {
  booking(id: $id) {
    revision status customerNote cancellation { reason }
    customerDetails { firstName } participants { name }
  }
}"""
DECLINE = """
mutation($id: ID!, $reason: String!, $message: String) {
  declineBookings(target: {bookingId: $id}, reason: $reason, messageToCustomer: $message) {
    __typename ... on TransitionBookingsSuccess { bookings { id status revision } }
  }
}"""
NOTES = """
mutation($id: ID!, $note: String) {
  updateBookingNotes(bookingId: $id, customerNote: $note) { __typename }
}"""
CONTACT = """
mutation($id: ID!, $details: BookingContactInput!) {
  updateBookingCustomerDetails(bookingId: $id, details: $details) {
    __typename ... on BookingsChanged { bookings { revision } }
  }
}"""
PARTICIPANTS = """
mutation($id: ID!, $people: [ParticipantInput!]!) {
  setBookingParticipants(bookingId: $id, participants: $people) { __typename }
}"""
CREATE = """
mutation($input: CreateBookingInput!) {
  createBooking(input: $input) {
    __typename ... on BookingSuccess { bookings { id order { number } } }
  }
}"""
SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { __typename } }
"""


async def pending(api: Api, issuer: TokenIssuer) -> tuple[str, str, str]:
    """A tenant confirming requests, and a front end's pending booking: (workshop, service,
    booking)."""
    await api.ok(SETTINGS, {"input": {"bookingsNeedConfirmation": True}})
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift")
    service_id = await service(api, workshop_id, maxNumberOfReservations=10)
    frontend = api.as_(issuer.issue(tenant=api.tenant, subject="shop"))
    made = await book(frontend, workshop_id, [service_id], local_at(future_day(3), "09:00"))
    assert made["__typename"] == "BookingSuccess", made
    return workshop_id, service_id, made["bookings"][0]["id"]


async def refused_without_a_write(api: Api, booking_id: str, document: str, variables: Any) -> None:
    before = (await api.ok(READ, {"id": booking_id}))["booking"]
    response = await api.post_raw(json.dumps({"query": document, "variables": variables}).encode())
    body = response.json()
    codes = {e["extensions"]["code"] for e in body.get("errors", [])}
    data = body.get("data") or {}
    members = {v.get("__typename") for v in data.values() if isinstance(v, dict)}
    # a coded refusal: a top-level BAD_USER_INPUT, or a ValidationError result member
    assert codes == {"BAD_USER_INPUT"} or members == {"ValidationError"}, body
    assert (await api.ok(READ, {"id": booking_id}))["booking"] == before


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
async def test_nul_and_lone_surrogates_in_every_new_string_argument_write_nothing(
    api: Api, issuer: TokenIssuer, text: str
) -> None:
    # given a pending booking
    workshop_id, service_id, booking_id = await pending(api, issuer)

    # when each new string argument carries the hostile text, then each is refused, unwritten
    await refused_without_a_write(api, booking_id, DECLINE, {"id": booking_id, "reason": text})
    await refused_without_a_write(
        api, booking_id, DECLINE, {"id": booking_id, "reason": "ok", "message": text}
    )
    await refused_without_a_write(api, booking_id, NOTES, {"id": booking_id, "note": text})
    for field in ("firstName", "lastName", "email", "phoneNumber"):
        await refused_without_a_write(
            api, booking_id, CONTACT, {"id": booking_id, "details": {field: text}}
        )
    for field in ("id", "firstName", "lastName", "name", "role"):
        await refused_without_a_write(
            api, booking_id, PARTICIPANTS, {"id": booking_id, "people": [{field: text}]}
        )
    for chosen in ({"resourceId": text}, {"resourceId": "x", "resourceType": text}):
        created = {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(4), "09:00"),
                "requestedResources": [chosen],
                "details": {"customer": CUSTOMER},
            }
        }
        await refused_without_a_write(api, booking_id, CREATE, created)


async def test_declining_twice_and_at_once_declines_once(api: Api, issuer: TokenIssuer) -> None:
    # given a pending booking
    _, _, booking_id = await pending(api, issuer)
    variables = {"id": booking_id, "reason": "Full", "message": "Sorry"}

    # when staff decline it twice at once, then once more
    both = await asyncio.gather(*(api.ok(DECLINE, variables) for _ in range(2)))
    again = await api.ok(DECLINE, variables)

    # then it was cancelled once: one revision step, and every answer names it cancelled
    revisions = {b["revision"] for r in (*both, again) for b in r["declineBookings"]["bookings"]}
    assert len(revisions) == 1
    read = (await api.ok(READ, {"id": booking_id}))["booking"]
    assert read["status"] == "CANCELLED"
    assert read["cancellation"] == {"reason": "Full"}


async def test_a_repeated_contact_change_writes_once(api: Api, issuer: TokenIssuer) -> None:
    # given a booking
    _, _, booking_id = await pending(api, issuer)
    variables = {"id": booking_id, "details": {"firstName": "Karina"}}

    # when the same change is sent twice
    first = await api.ok(CONTACT, variables)
    second = await api.ok(CONTACT, variables)

    # then the retry changed nothing more
    revisions = [
        r["updateBookingCustomerDetails"]["bookings"][0]["revision"] for r in (first, second)
    ]
    assert revisions[0] == revisions[1]


async def test_visits_booked_at_once_get_different_order_numbers(api: Api) -> None:
    # given a workshop with room for ten at once
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, maxNumberOfReservations=10)
    start = local_at(future_day(3), "09:00")
    variables = {
        "input": {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "startsAt": start,
            "details": {"customer": CUSTOMER},
        }
    }

    # when eight visits are booked at the same time
    made = await asyncio.gather(*(api.ok(CREATE, variables) for _ in range(8)))

    # then they hold the numbers 1 to 8, each once
    numbers = sorted(m["createBooking"]["bookings"][0]["order"]["number"] for m in made)
    assert numbers == list(range(1, 9))


async def test_another_tenants_staff_cannot_decline_or_change_a_booking(
    api: Api, other_api: Api, issuer: TokenIssuer
) -> None:
    # given a pending booking of one tenant
    _, _, booking_id = await pending(api, issuer)
    before = (await api.ok(READ, {"id": booking_id}))["booking"]

    # when another tenant's staff decline it and change its contact details
    declined = await other_api.ok(DECLINE, {"id": booking_id, "reason": "x"})
    contact = await other_api.ok(CONTACT, {"id": booking_id, "details": {"firstName": "X"}})

    # then both find nothing, and the booking is as it was
    assert declined["declineBookings"]["__typename"] == "NotFoundError"
    assert contact["updateBookingCustomerDetails"]["__typename"] == "NotFoundError"
    assert (await api.ok(READ, {"id": booking_id}))["booking"] == before

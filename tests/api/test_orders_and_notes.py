"""Orders and notes as the seeds have them: visit numbers per tenant (preliminary while
pending), notes that survive confirmation and can be cleared, the customer's note apart from
the workshop's comment, and participants with ids and names (BRP)."""

from __future__ import annotations

from typing import Any

from booking_gateway.auth import TokenIssuer
from tests.api.online import (
    CONFIRM,
    CUSTOMER,
    RESERVE,
    book,
    future_day,
    local_at,
    service,
    workshop,
)
from tests.conftest import Api

READ = """
query($id: ID!) {
  booking(id: $id) {
    id status groupId commentToCustomer customerNote internalComment
    order { id number preliminary }
    participants { id personId firstName lastName name role }
  }
}"""
NOTES = """
mutation($id: ID!, $internal: String, $comment: String, $note: String) {
  updateBookingNotes(bookingId: $id, internalComment: $internal, commentToCustomer: $comment,
                     customerNote: $note) {
    __typename
    ... on BookingsChanged { bookings { id commentToCustomer customerNote internalComment } }
    ... on ValidationError { code fields { field } }
  }
}"""
PARTICIPANTS = """
mutation($id: ID!, $people: [ParticipantInput!]!) {
  setBookingParticipants(bookingId: $id, participants: $people) {
    __typename
    ... on BookingsChanged { bookings { participants { id firstName lastName name role } } }
    ... on ValidationError { code fields { field } }
  }
}"""
SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { __typename } }
"""
CONFIRM_BOOKINGS = """
mutation($id: ID!) {
  confirmBookings(target: {bookingId: $id}) { __typename }
}"""


async def catalog(api: Api) -> tuple[str, str]:
    workshop_id = await workshop(api)
    return workshop_id, await service(api, workshop_id)


async def read(api: Api, booking_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.ok(READ, {"id": booking_id}))["booking"]
    return found


async def test_visits_are_numbered_per_tenant_and_preliminary_while_pending(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a tenant that confirms requests, and two visits by a front end
    await api.ok(SETTINGS, {"input": {"bookingsNeedConfirmation": True}})
    workshop_id, service_id = await catalog(api)
    frontend = api.as_(issuer.issue(tenant=api.tenant, subject="shop"))
    first = await book(frontend, workshop_id, [service_id], local_at(future_day(3), "09:00"))
    second = await book(frontend, workshop_id, [service_id], local_at(future_day(3), "11:00"))
    first_id, second_id = first["bookings"][0]["id"], second["bookings"][0]["id"]

    # when staff confirm the first
    await api.ok(CONFIRM_BOOKINGS, {"id": first_id})

    # then the visits are numbers 1 and 2 of the tenant, the pending one preliminary
    one, two = await read(api, first_id), await read(api, second_id)
    assert one["order"] == {"id": one["groupId"], "number": 1, "preliminary": False}
    assert two["order"] == {"id": two["groupId"], "number": 2, "preliminary": True}


async def test_a_reservations_notes_survive_confirmation_as_the_customers_note(api: Api) -> None:
    # given a hold with notes for the workshop
    workshop_id, service_id = await catalog(api)
    reserved = await api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(3), "09:00"),
                "notes": "Winter tyres in the boot",
            }
        },
    )
    hold = reserved["reserveTimeslot"]["reservation"]["id"]

    # when it is confirmed with the customer's details and the workshop's comment
    confirmed = await api.ok(
        CONFIRM,
        {
            "input": {
                "reservationId": hold,
                "details": {"customer": CUSTOMER, "commentToCustomer": "Park at the back"},
            }
        },
    )

    # then the booking keeps the customer's note apart from the workshop's comment
    booking = await read(api, confirmed["confirmReservation"]["bookings"][0]["id"])
    assert booking["customerNote"] == "Winter tyres in the boot"
    assert booking["commentToCustomer"] == "Park at the back"


async def test_notes_left_out_stay_empty_ones_are_cleared_and_staffs_are_staffs(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a booking with all three notes
    workshop_id, service_id = await catalog(api)
    made = await book(api, workshop_id, [service_id], local_at(future_day(3), "09:00"))
    booking_id = made["bookings"][0]["id"]
    await api.ok(
        NOTES, {"id": booking_id, "internal": "VIP", "comment": "See you", "note": "Call me"}
    )

    # when staff clear the comment and leave the rest out, and a front end tries staff's note
    cleared = await api.ok(NOTES, {"id": booking_id, "comment": ""})
    frontend = api.as_(issuer.issue(tenant=api.tenant, subject="shop"))
    refused = await frontend.error(NOTES, {"id": booking_id, "comment": "Hijack"})
    nothing = await api.ok(NOTES, {"id": booking_id})

    # then only the comment is gone, the front end was refused, and an empty call is a problem
    assert cleared["updateBookingNotes"]["__typename"] == "BookingsChanged"
    booking = await read(api, booking_id)
    assert (booking["internalComment"], booking["commentToCustomer"]) == ("VIP", None)
    assert booking["customerNote"] == "Call me"
    assert refused["extensions"]["code"] == "FORBIDDEN"
    assert nothing["updateBookingNotes"]["__typename"] == "ValidationError"


async def test_participants_have_ids_and_first_and_last_names(api: Api) -> None:
    # given a booking
    workshop_id, service_id = await catalog(api)
    made = await book(api, workshop_id, [service_id], local_at(future_day(3), "09:00"))
    booking_id = made["bookings"][0]["id"]

    # when staff add a technician by first and last name, then rename them keeping the id
    added = await api.ok(
        PARTICIPANTS,
        {
            "id": booking_id,
            "people": [{"firstName": "Jens", "lastName": "Hansen", "role": "technician"}],
        },
    )
    [person] = added["setBookingParticipants"]["bookings"][0]["participants"]
    renamed = await api.ok(
        PARTICIPANTS,
        {
            "id": booking_id,
            "people": [{"id": person["id"], "firstName": "Jens", "lastName": "Holm"}],
        },
    )

    # then the participant has an id, names and a full name, and keeps the id when renamed
    assert person["id"]
    assert (person["firstName"], person["lastName"], person["name"]) == (
        "Jens",
        "Hansen",
        "Jens Hansen",
    )
    [again] = renamed["setBookingParticipants"]["bookings"][0]["participants"]
    assert again["id"] == person["id"]
    assert again["name"] == "Jens Holm"


CONTACT = """
mutation($id: ID!, $details: BookingContactInput!) {
  updateBookingCustomerDetails(bookingId: $id, details: $details) {
    __typename
    ... on BookingsChanged { bookings { id customerDetails { firstName email phoneNumber } } }
    ... on ValidationError { code fields { field } }
  }
}"""
CONTACT_READ = """
query($id: ID!) {
  booking(id: $id) {
    customerDetails { firstName lastName email phoneNumber }
    customer { email phoneNumber }
    history { action before after }
  }
}"""


async def test_contact_details_change_on_the_visit_and_never_on_the_profile(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a two-line visit booked with the customer's details
    workshop_id = await workshop(api)
    oil = await service(api, workshop_id)
    wash = await service(api, workshop_id, durationMinutes=30, combinableWith=[oil])
    made = await book(api, workshop_id, [oil, wash], local_at(future_day(3), "09:00"))
    first, second = (b["id"] for b in made["bookings"])

    # when staff give a new e-mail and clear the phone, a bad e-mail is sent, and a front end
    # without the customer's token tries
    changed = await api.ok(
        CONTACT, {"id": first, "details": {"email": "k@new.dk", "phoneNumber": ""}}
    )
    bad = await api.ok(CONTACT, {"id": first, "details": {"email": "x@y"}})
    frontend = api.as_(issuer.issue(tenant=api.tenant, subject="shop"))
    refused = await frontend.error(CONTACT, {"id": first, "details": {"firstName": "Eve"}})

    # then both lines carry the new details, the profile keeps the old ones, it is audited,
    # and the bad and unauthorised changes wrote nothing
    assert changed["updateBookingCustomerDetails"]["__typename"] == "BookingsChanged"
    for booking_id in (first, second):
        read = (await api.ok(CONTACT_READ, {"id": booking_id}))["booking"]
        assert read["customerDetails"] == {
            "firstName": CUSTOMER["firstName"],
            "lastName": CUSTOMER["lastName"],
            "email": "k@new.dk",
            "phoneNumber": None,
        }
        assert read["customer"]["email"] == CUSTOMER["email"]
        last = read["history"][-1]
        assert last["action"] == "CHANGED"
        assert last["before"]["customerContact"]["email"] == CUSTOMER["email"]
        assert last["after"]["customerContact"]["email"] == "k@new.dk"
    assert bad["updateBookingCustomerDetails"]["fields"] == [{"field": "details.email"}]
    assert refused["extensions"]["code"] == "FORBIDDEN"


async def test_the_customer_changes_their_own_contact_details(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a booking the customer made with their own token
    workshop_id, service_id = await catalog(api)
    customer = api.as_(
        issuer.issue(
            tenant=api.tenant,
            subject="karen",
            scope="bookings:read bookings:write",
            customer=CUSTOMER["personalIdentifier"],
        )
    )
    made = await book(customer, workshop_id, [service_id], local_at(future_day(3), "09:00"))

    # when the customer changes their phone number
    changed = await customer.ok(
        CONTACT, {"id": made["bookings"][0]["id"], "details": {"phoneNumber": "+45 99 99 99 99"}}
    )

    # then the booking shows it
    [booking] = changed["updateBookingCustomerDetails"]["bookings"]
    assert booking["customerDetails"]["phoneNumber"] == "+45 99 99 99 99"


RESOURCES = "query($w: ID) { resources(workshopId: $w) { id name subject } }"
CREATE_PERSON = """
mutation($input: CreateResourceInput!) {
  createResource(input: $input) { __typename ... on ResourceSuccess { resource { id } } }
}"""


async def test_staff_read_which_staff_member_a_resource_is(api: Api, issuer: TokenIssuer) -> None:
    # given a technician who is a resource
    workshop_id = await workshop(api)
    await api.ok(
        CREATE_PERSON,
        {
            "input": {
                "workshopId": workshop_id,
                "type": "technician",
                "name": "Jens",
                "subject": "jens@workshop",
            }
        },
    )
    frontend = api.as_(issuer.issue(tenant=api.tenant, subject="shop"))

    # when staff and a front end list the resources
    by_staff = (await api.ok(RESOURCES, {"w": workshop_id}))["resources"]
    by_frontend = (await frontend.ok(RESOURCES, {"w": workshop_id}))["resources"]

    # then staff see the person, the front end does not
    assert [r["subject"] for r in by_staff] == ["jens@workshop"]
    assert [r["subject"] for r in by_frontend] == [None]


async def test_a_customer_replaces_only_the_participants_they_added(
    api: Api, issuer: TokenIssuer
) -> None:
    # given the customer's own booking with a technician staff put on it
    workshop_id, service_id = await catalog(api)
    customer = api.as_(
        issuer.issue(
            tenant=api.tenant,
            subject="karen",
            scope="bookings:read bookings:write",
            customer=CUSTOMER["personalIdentifier"],
        )
    )
    made = await book(customer, workshop_id, [service_id], local_at(future_day(3), "09:00"))
    booking_id = made["bookings"][0]["id"]
    technician = {"personId": "E-17", "name": "Jens Technician", "role": "technician"}
    await api.ok(PARTICIPANTS, {"id": booking_id, "people": [technician]})

    # when the customer sets their driver twice
    for driver in ("Bo Berg", "Bo Holm"):
        await customer.ok(PARTICIPANTS, {"id": booking_id, "people": [{"name": driver}]})

    # then staff's technician stays and only the customer's latest driver is there
    people = (await read(api, booking_id))["participants"]
    assert [p["name"] for p in people] == ["Jens Technician", "Bo Holm"]

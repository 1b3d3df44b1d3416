"""Two customers of one tenant and what each of them owns: the set-up of the customer-token
tests (tests/api/test_customer_tokens.py).

``build_world`` makes a tenant with a workshop, a lift, an online service and a service group;
customer A with an upcoming visit (participants, staff notes, messages, a pending change
request), a completed visit (service history of A's vehicle) and a held timeslot; customer B
with one visit of its own; and a dealer-import booking. ``snapshot`` reads A's data, the
dealer booking and the catalog as staff see them, so a probe can show that nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from booking_gateway.auth import TokenIssuer
from tests.api.online import (
    CREATE_BOOKING,
    RESERVE,
    future_day,
    local_at,
    resource,
    service,
    workshop,
)
from tests.api.queries import ADD, booking_input
from tests.conftest import Api

CUSTOMER_A = {
    "personalIdentifier": "ANNA0000000001",
    "firstName": "Anna",
    "lastName": "Hansen",
    "email": "anna@example.com",
    "phoneNumber": "+45 11 11 11 11",
}
CUSTOMER_B = {
    "personalIdentifier": "BENT0000000002",
    "firstName": "Bent",
    "lastName": "Larsen",
    "email": "bent@example.com",
    "phoneNumber": "+45 22 22 22 22",
}
VIN_A = "WVWZZZAUZKW111111"
VIN_B = "WVWZZZAUZKW222222"
DEALER_KEY = {"source": "user", "bookingId": "dms-1"}
CUSTOMER_SCOPES = ["bookings:read", "bookings:write"]
TECHNICIAN = {"personId": "E-17", "name": "Jens Technician", "role": "technician"}

CREATE_SERVICE_GROUP = """
mutation($input: CreateServiceGroupInput!) {
  createServiceGroup(input: $input) {
    __typename ... on ServiceGroupSuccess { serviceGroup { id } }
  }
}"""
PARTICIPANTS = """
mutation($id: ID!, $people: [ParticipantInput!]!) {
  setBookingParticipants(bookingId: $id, participants: $people) {
    __typename ... on BookingsChanged { bookings { id } }
  }
}"""
NOTES = """
mutation($id: ID!, $internal: String, $external: String) {
  updateBookingNotes(bookingId: $id, internalComment: $internal, commentToCustomer: $external) {
    __typename
    ... on BookingsChanged { bookings { id } }
    ... on ChangeRequested { changeRequest { id } }
    ... on NotFoundError { code }
  }
}"""
MESSAGE = """
mutation($id: ID!, $body: String!, $internal: Boolean!) {
  postBookingMessage(bookingId: $id, body: $body, internal: $internal) {
    __typename
    ... on MessagePosted { message { id } }
    ... on NotFoundError { code }
  }
}"""
TRANSITION_ERRORS = """
    ... on TransitionBookingsSuccess { bookings { id status } }
    ... on InvalidTransitionError { code current }
    ... on NotFoundError { code }
"""
START = (
    "mutation($target: BookingTargetInput!) { startBookings(target: $target) { __typename"
    + TRANSITION_ERRORS
    + "} }"
)
COMPLETE = (
    "mutation($target: BookingTargetInput!) {"
    ' completeBookings(target: $target, summary: "Oil and filters") { __typename'
    + TRANSITION_ERRORS
    + "} }"
)
CHANGE_RESULT = """
    __typename
    ... on BookingsChanged { bookings { id status } }
    ... on ChangeRequested { changeRequest { id kind status } }
    ... on NotFoundError { code }
    ... on InvalidTransitionError { code }
    ... on ValidationError { code }
"""
RESCHEDULE = (
    "mutation($id: ID!, $start: DateTime!) {"
    " rescheduleBooking(bookingId: $id, startsAt: $start) {" + CHANGE_RESULT + "} }"
)

FULL_BOOKING = """
fragment Full on Booking {
  id status revision updatedAt cancelledAt groupId vin internalComment commentToCustomer endsAt
  appointment { startsAt date }
  reason { key text }
  externalKey { source bookingId }
  participants { personId name role }
  customer { id personalIdentifier firstName lastName email phoneNumber }
  messages { id body internal author }
  history { id action actor { subject } before after }
}"""
SNAPSHOT_BOOKINGS = (
    """
query($active: ID!, $done: ID!, $dealer: ID!) {
  active: booking(id: $active) { ...Full }
  done: booking(id: $done) { ...Full }
  dealer: booking(id: $dealer) { ...Full }
}"""
    + FULL_BOOKING
)
SNAPSHOT_REST = """
query($hold: ID!, $vin: String!) {
  hold: reservation(id: $hold) { id status startsAt expiresAt groupId notes }
  record: vehicleServiceHistory(vin: $vin) { id bookingId summary completedAt }
  changeRequests(pageSize: 200) { total items { id bookingId kind status payload decidedBy } }
  tenantSettings {
    allowedBookingSources oneActiveBookingPerVehicle customerChangesNeedApproval
    reservationHoldMinutes minimumNoticeMinutes bookingHorizonDays
  }
  workshops { id name dealerNumber timeZone openingHours { weekday intervals { opens closes } } }
  services { id name durationMinutes onlineBookable maxNumberOfReservations workshops { id } }
  serviceGroups { id name services { id } }
  resources { id workshopId type name }
}"""


@dataclass(frozen=True)
class World:
    """One tenant: staff, two customers, two integrations, and the ids of what they own."""

    staff: Api
    a: Api  # customer A's token
    b: Api  # customer B's token
    integration: Api  # no customers:read
    reader: Api  # an integration with customers:read
    workshop_id: str
    service_id: str
    resource_id: str
    service_group_id: str
    a_customer_id: str
    a_active: str  # A's upcoming visit
    a_group: str
    a_done: str  # A's completed visit (service history of VIN_A)
    a_hold: str  # A's held timeslot
    a_request: str  # A's pending change request (reschedule of a_active)
    b_customer_id: str
    b_booking: str
    b_group: str
    dealer_booking: str  # imported by a dealer system, no customer

    @property
    def a_bookings(self) -> set[str]:
        return {self.a_active, self.a_done}


def customer_token(issuer: TokenIssuer, tenant: str, who: dict[str, str], subject: str) -> str:
    return issuer.issue(tenant=tenant, subject=subject, customer=who["personalIdentifier"])


def visit_input(
    workshop_id: str, service_id: str, start: str, details: dict[str, Any]
) -> dict[str, Any]:
    """The variables of ``CREATE_BOOKING`` for one service."""
    return {
        "input": {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "startsAt": start,
            "details": details,
        }
    }


async def create_booking(
    client: Api, workshop_id: str, service_id: str, start: str, details: dict[str, Any]
) -> dict[str, Any]:
    """``createBooking`` that must succeed; returns the (single) booking."""
    data = await client.ok(CREATE_BOOKING, visit_input(workshop_id, service_id, start, details))
    result: dict[str, Any] = data["createBooking"]
    assert result["__typename"] == "BookingSuccess", result
    booking: dict[str, Any] = result["bookings"][0]
    return booking


async def reserve(client: Api, workshop_id: str, service_id: str, start: str) -> str:
    data = await client.ok(
        RESERVE,
        {"input": {"workshopId": workshop_id, "serviceIds": [service_id], "startsAt": start}},
    )
    result = data["reserveTimeslot"]
    assert result["__typename"] == "ReserveTimeslotSuccess", result
    hold_id: str = result["reservation"]["id"]
    return hold_id


async def build_world(api: Api, issuer: TokenIssuer) -> World:
    tenant = api.tenant
    a = api.as_(customer_token(issuer, tenant, CUSTOMER_A, "customer-a"))
    b = api.as_(customer_token(issuer, tenant, CUSTOMER_B, "customer-b"))
    integration = api.as_(
        issuer.issue(tenant=tenant, subject="integration", scope="bookings:read bookings:write")
    )
    reader = api.as_(
        issuer.issue(tenant=tenant, subject="crm", scope="bookings:read customers:read")
    )

    # a workshop open all week with a lift, an online service for five at a time, a group
    workshop_id = await workshop(api)
    resource_id = await resource(api, workshop_id, "lift", "Lift 1")
    service_id = await service(api, workshop_id, maxNumberOfReservations=5)
    grouped = await api.ok(
        CREATE_SERVICE_GROUP,
        {
            "input": {
                "names": [{"language": "en", "text": "Maintenance"}],
                "serviceIds": [service_id],
            }
        },
    )
    service_group_id = grouped["createServiceGroup"]["serviceGroup"]["id"]

    # A books two visits and B one, each as itself
    active = await create_booking(
        a,
        workshop_id,
        service_id,
        local_at(future_day(7), "09:00"),
        {"customer": CUSTOMER_A, "vin": VIN_A},
    )
    done = await create_booking(
        a,
        workshop_id,
        service_id,
        local_at(future_day(6), "09:00"),
        {"customer": CUSTOMER_A, "vin": VIN_A},
    )
    theirs = await create_booking(
        b,
        workshop_id,
        service_id,
        local_at(future_day(7), "11:00"),
        {"customer": CUSTOMER_B, "vin": VIN_B},
    )

    # staff put a technician on A's visit, write notes and messages, complete A's other visit
    people = await api.ok(PARTICIPANTS, {"id": active["id"], "people": [TECHNICIAN]})
    assert people["setBookingParticipants"]["__typename"] == "BookingsChanged", people
    notes = await api.ok(
        NOTES, {"id": active["id"], "internal": "Regular customer", "external": "See you"}
    )
    assert notes["updateBookingNotes"]["__typename"] == "BookingsChanged", notes
    for body, internal in (("Check the brakes too", True), ("Bring the spare key", False)):
        posted = await api.ok(MESSAGE, {"id": active["id"], "body": body, "internal": internal})
        assert posted["postBookingMessage"]["__typename"] == "MessagePosted", posted
    own = await a.ok(MESSAGE, {"id": active["id"], "body": "I will be late", "internal": False})
    assert own["postBookingMessage"]["__typename"] == "MessagePosted", own
    for document in (START, COMPLETE):
        moved = await api.ok(document, {"target": {"bookingId": done["id"]}})
        assert "TransitionBookingsSuccess" in str(moved), moved

    # A holds a timeslot and asks to move its visit (a change request: the default policy)
    hold = await reserve(a, workshop_id, service_id, local_at(future_day(8), "10:00"))
    asked = await a.ok(RESCHEDULE, {"id": active["id"], "start": local_at(future_day(7), "13:00")})
    assert asked["rescheduleBooking"]["__typename"] == "ChangeRequested", asked

    # and a dealer system imported a booking without a customer
    dealer = await api.ok(
        ADD,
        {
            "input": booking_input(
                bookingId=DEALER_KEY["bookingId"], appointmentDate=future_day(7).isoformat()
            )
        },
    )
    return World(
        staff=api,
        a=a,
        b=b,
        integration=integration,
        reader=reader,
        workshop_id=workshop_id,
        service_id=service_id,
        resource_id=resource_id,
        service_group_id=service_group_id,
        a_customer_id=active["customer"]["id"],
        a_active=active["id"],
        a_group=active["groupId"],
        a_done=done["id"],
        a_hold=hold,
        a_request=asked["rescheduleBooking"]["changeRequest"]["id"],
        b_customer_id=theirs["customer"]["id"],
        b_booking=theirs["id"],
        b_group=theirs["groupId"],
        dealer_booking=dealer["addBooking"],
    )


async def snapshot(w: World) -> dict[str, Any]:
    """A's data, the dealer booking and the catalog, as staff see them."""
    bookings = await w.staff.ok(
        SNAPSHOT_BOOKINGS, {"active": w.a_active, "done": w.a_done, "dealer": w.dealer_booking}
    )
    rest = await w.staff.ok(SNAPSHOT_REST, {"hold": w.a_hold, "vin": VIN_A})
    return {**bookings, **rest}

"""Customer tokens (a ``customer`` claim: the customer's personal identifier).

Customer B, through every field of Query and Mutation, neither reads nor changes anything of
customer A: a probe per field (``PROBES``), and a test that fails when a field has none. Not
yours reads as null/empty and writes answer NOT_FOUND, except the explicit refusals (FORBIDDEN:
staff-only operations, the dealer import, catalog writes, booking as someone else). Integration
tokens see customers' personal data only with ``customers:read``; a malformed customer claim,
or one combined with staff, admin or customers:read, is refused before GraphQL runs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
import pytest

from booking_gateway.auth import TokenIssuer
from booking_gateway.graphql.schema import build_schema
from tests.api.customers import (
    CREATE_SERVICE_GROUP,
    CUSTOMER_A,
    CUSTOMER_B,
    CUSTOMER_SCOPES,
    DEALER_KEY,
    MESSAGE,
    NOTES,
    PARTICIPANTS,
    RESCHEDULE,
    TECHNICIAN,
    VIN_A,
    VIN_B,
    World,
    build_world,
    customer_token,
    reserve,
    snapshot,
    visit_input,
)
from tests.api.online import (
    CONFIRM,
    CREATE_BOOKING,
    CREATE_RESOURCE,
    CREATE_SERVICE,
    RELEASE,
    TIMESLOTS,
    UPDATE_WORKSHOP,
    future_day,
    local_at,
)
from tests.api.queries import (
    ADD,
    BY_KEY,
    CANCEL,
    CHANGE,
    CREATE_WORKSHOP,
    UPDATE_SETTINGS,
    VIEWER,
    booking_input,
)
from tests.conftest import FIXED_NOW, TEST_SECRET, Api

# -- documents ---------------------------------------------------------------------------------

WINDOW = {"from": FIXED_NOW.date().isoformat(), "to": future_day(30).isoformat()}
BOOKING = "query($id: ID!) { booking(id: $id) { id customer { personalIdentifier } } }"
GROUPS = """
query($filter: BookingFilterInput) {
  bookingGroups(filter: $filter, pageSize: 200) { total items { groupId bookings { id } } }
}"""
GROUP = "query($id: ID!) { bookingGroup(id: $id) { groupId bookings { id } } }"
CONNECTION = """
query($filter: BookingFilterInput) {
  bookingsConnection(filter: $filter, first: 200) { edges { node { id } } }
}"""
REQUESTS = "{ changeRequests { total items { id bookingId } } }"
HISTORY = "query($vin: String!) { vehicleServiceHistory(vin: $vin) { bookingId vin summary } }"
FEED = """
{
  changeFeed(first: 1000) {
    events { bookingId event { action before after changes { field } } }
  }
}"""
SERVICES = "query($workshopId: ID) { services(workshopId: $workshopId) { id name } }"
SERVICE = "query($id: ID!) { service(id: $id) { id name } }"
SERVICE_GROUPS = "{ serviceGroups { id services { id } } }"
WORKSHOPS_FOR_SERVICE = "query($id: ID!) { workshopsForService(serviceId: $id) { id } }"
RESOURCES = "query($workshopId: ID) { resources(workshopId: $workshopId) { id type name } }"
RESERVATION = "query($id: ID!) { reservation(id: $id) { id status } }"
SETTINGS = "{ tenantSettings { customerChangesNeedApproval reservationHoldMinutes } }"
WORKSHOPS = "{ workshops { id name } }"
OWN_BOOKING = """
query($id: ID!) {
  booking(id: $id) {
    id status internalComment commentToCustomer
    customer { id personalIdentifier firstName lastName email }
    participants { personId name role }
    messages { body internal author }
    history { action actor { subject } before after }
  }
}"""
PERSONAL = """
query($id: ID!) {
  booking(id: $id) {
    id internalComment
    customer { personalIdentifier firstName email }
    participants { personId name role }
    history { action before after changes { field } }
  }
}"""

TARGETED = " (target: $target) { __typename } }"
TRANSITION = (
    "mutation($target: BookingTargetInput!) {"
    " transitionBookings(target: $target, to: CANCELLED) { __typename } }"
)
CONFIRM_BOOKINGS = (
    "mutation($target: BookingTargetInput!) {"
    " confirmBookings(target: $target, durationMinutes: 90) { __typename } }"
)
START_BOOKINGS = "mutation($target: BookingTargetInput!) { startBookings" + TARGETED
COMPLETE_BOOKINGS = "mutation($target: BookingTargetInput!) { completeBookings" + TARGETED
NO_SHOW = "mutation($target: BookingTargetInput!) { markNoShow" + TARGETED
CONTACT = """
mutation($id: ID!, $details: BookingContactInput!) {
  updateBookingCustomerDetails(bookingId: $id, details: $details) {
    __typename ... on NotFoundError { code }
  }
}"""
PARTICIPANTS_RESULT = """
mutation($id: ID!, $people: [ParticipantInput!]!) {
  setBookingParticipants(bookingId: $id, participants: $people) {
    __typename ... on NotFoundError { code }
  }
}"""
CUSTOMER_NOTE = """
mutation($id: ID!, $note: String) {
  updateBookingNotes(bookingId: $id, customerNote: $note) {
    __typename ... on NotFoundError { code } ... on ChangeRequested { changeRequest { id } }
  }
}"""
DECLINE_BOOKINGS = (
    "mutation($target: BookingTargetInput!) {"
    ' declineBookings(target: $target, reason: "Fully booked") { __typename } }'
)
CANCEL_BOOKINGS = """
mutation($target: BookingTargetInput!) {
  cancelBookings(target: $target, reason: "Not needed") {
    __typename ... on NotFoundError { code } ... on ChangeRequested { changeRequest { id } }
  }
}"""
DECIDE = """
mutation($id: ID!, $approve: Boolean!) {
  decideChangeRequest(id: $id, approve: $approve) { __typename }
}"""
UPDATE_SERVICE = """
mutation($id: ID!, $input: ServiceInput!) { updateService(id: $id, input: $input) { __typename } }
"""

PERSONAL_KEYS = {"customerContact", "participants"}

# -- the probes --------------------------------------------------------------------------------

Probe = Callable[[World], Awaitable[None]]
PROBES: dict[str, Probe] = {}


def probe(field: str) -> Callable[[Probe], Probe]:
    """Register the customer-isolation probe of ``Query.x`` / ``Mutation.x``."""

    def register(fn: Probe) -> Probe:
        assert field not in PROBES, field
        PROBES[field] = fn
        return fn

    return register


async def forbidden(client: Api, document: str, variables: dict[str, Any] | None = None) -> None:
    error = await client.error(document, variables)
    assert error["extensions"]["code"] == "FORBIDDEN", error


async def not_found(client: Api, document: str, variables: dict[str, Any], field: str) -> None:
    data = await client.ok(document, variables)
    assert data[field]["__typename"] == "NotFoundError", data
    assert data[field]["code"] == "NOT_FOUND", data


def feed_booking_ids(data: dict[str, Any]) -> set[str]:
    return {e["bookingId"] for e in data["changeFeed"]["events"]}


def personal_keys_in(event: dict[str, Any]) -> set[str]:
    """The personal-data keys an audit event shows in before, after or changes."""
    shown = set(event.get("before") or {}) | set(event.get("after") or {})
    shown |= {c["field"] for c in event.get("changes", ())}
    return shown & PERSONAL_KEYS


# Query: bookings and what hangs off them


@probe("Query.booking")
async def _booking(w: World) -> None:
    for booking_id in (w.a_active, w.a_done, w.dealer_booking):
        assert (await w.b.ok(BOOKING, {"id": booking_id}))["booking"] is None, booking_id
    own = (await w.b.ok(BOOKING, {"id": w.b_booking}))["booking"]
    assert own == {"id": w.b_booking, "customer": {"personalIdentifier": "BENT0000000002"}}


@probe("Query.bookingByExternalKey")
async def _booking_by_external_key(w: World) -> None:
    found = await w.b.ok(BY_KEY, DEALER_KEY)
    assert found["bookingByExternalKey"] is None
    staff = await w.staff.ok(BY_KEY, DEALER_KEY)
    assert staff["bookingByExternalKey"]["id"] == w.dealer_booking


@probe("Query.bookingGroups")
async def _booking_groups(w: World) -> None:
    page = (await w.b.ok(GROUPS, {"filter": WINDOW}))["bookingGroups"]
    assert page["total"] == 1
    assert page["items"] == [{"groupId": w.b_group, "bookings": [{"id": w.b_booking}]}]
    for narrowed in ({"groupId": w.a_group}, {"vin": VIN_A}):
        none = (await w.b.ok(GROUPS, {"filter": {**WINDOW, **narrowed}}))["bookingGroups"]
        assert (none["total"], none["items"]) == (0, []), narrowed
    staff = await w.staff.ok(GROUPS, {"filter": {**WINDOW, "groupId": w.a_group}})
    assert staff["bookingGroups"]["total"] == 1


@probe("Query.bookingGroup")
async def _booking_group(w: World) -> None:
    assert (await w.b.ok(GROUP, {"id": w.a_group}))["bookingGroup"] is None
    assert (await w.b.ok(GROUP, {"id": w.dealer_booking}))["bookingGroup"] is None
    own = (await w.b.ok(GROUP, {"id": w.b_group}))["bookingGroup"]
    assert own == {"groupId": w.b_group, "bookings": [{"id": w.b_booking}]}


@probe("Query.bookingsConnection")
async def _bookings_connection(w: World) -> None:
    page = (await w.b.ok(CONNECTION, {"filter": WINDOW}))["bookingsConnection"]
    assert [e["node"]["id"] for e in page["edges"]] == [w.b_booking]
    by_vin = await w.b.ok(CONNECTION, {"filter": {**WINDOW, "vin": VIN_A}})
    assert by_vin["bookingsConnection"]["edges"] == []


@probe("Query.changeRequests")
async def _change_requests(w: World) -> None:
    await forbidden(w.b, REQUESTS)
    staff = (await w.staff.ok(REQUESTS))["changeRequests"]
    assert staff["items"] == [{"id": w.a_request, "bookingId": w.a_active}]


@probe("Query.vehicleServiceHistory")
async def _vehicle_service_history(w: World) -> None:
    assert (await w.b.ok(HISTORY, {"vin": VIN_A}))["vehicleServiceHistory"] == []
    assert (await w.b.ok(HISTORY, {"vin": VIN_B}))["vehicleServiceHistory"] == []
    staff = (await w.staff.ok(HISTORY, {"vin": VIN_A}))["vehicleServiceHistory"]
    assert [r["bookingId"] for r in staff] == [w.a_done]


@probe("Query.changeFeed")
async def _change_feed(w: World) -> None:
    feed = await w.b.ok(FEED)
    assert feed_booking_ids(feed) == {w.b_booking}
    assert [e["event"]["action"] for e in feed["changeFeed"]["events"]] == ["ADDED"]


# Query: the catalog, which customers read


@probe("Query.services")
async def _services(w: World) -> None:
    for workshop_id in (None, w.workshop_id):
        found = await w.b.ok(SERVICES, {"workshopId": workshop_id})
        assert [s["id"] for s in found["services"]] == [w.service_id]


@probe("Query.service")
async def _service(w: World) -> None:
    found = (await w.b.ok(SERVICE, {"id": w.service_id}))["service"]
    assert found == {"id": w.service_id, "name": "Oil change"}


@probe("Query.serviceGroups")
async def _service_groups(w: World) -> None:
    found = (await w.b.ok(SERVICE_GROUPS))["serviceGroups"]
    assert found == [{"id": w.service_group_id, "services": [{"id": w.service_id}]}]


@probe("Query.workshopsForService")
async def _workshops_for_service(w: World) -> None:
    found = await w.b.ok(WORKSHOPS_FOR_SERVICE, {"id": w.service_id})
    assert found["workshopsForService"] == [{"id": w.workshop_id}]


@probe("Query.resources")
async def _resources(w: World) -> None:
    found = (await w.b.ok(RESOURCES, {"workshopId": w.workshop_id}))["resources"]
    assert found == [{"id": w.resource_id, "type": "lift", "name": "Lift 1"}]


@probe("Query.timeslots")
async def _timeslots(w: World) -> None:
    day = future_day(7).isoformat()
    found = await w.b.ok(
        TIMESLOTS,
        {"workshopId": w.workshop_id, "serviceIds": [w.service_id], "from": day, "to": day},
    )
    [slots] = found["timeslots"]["days"]
    assert slots["date"] == day
    assert local_at(future_day(7), "09:00") in slots["localStartsAt"]


@probe("Query.reservation")
async def _reservation(w: World) -> None:
    assert (await w.b.ok(RESERVATION, {"id": w.a_hold}))["reservation"] is None
    own = (await w.a.ok(RESERVATION, {"id": w.a_hold}))["reservation"]
    assert own == {"id": w.a_hold, "status": "HELD"}


@probe("Query.viewer")
async def _viewer(w: World) -> None:
    found = (await w.b.ok(VIEWER))["viewer"]
    assert found == {
        "tenant": w.staff.tenant,
        "workshop": None,
        "subject": "customer-b",
        "scopes": CUSTOMER_SCOPES,
    }
    mine = await w.b.ok("{ viewer { customer } }")
    assert mine["viewer"]["customer"] == CUSTOMER_B["personalIdentifier"]


@probe("Query.tenantSettings")
async def _tenant_settings(w: World) -> None:
    found = (await w.b.ok(SETTINGS))["tenantSettings"]
    assert found == {"customerChangesNeedApproval": True, "reservationHoldMinutes": 15}


@probe("Query.workshops")
async def _workshops(w: World) -> None:
    found = (await w.b.ok(WORKSHOPS))["workshops"]
    assert found == [{"id": w.workshop_id, "name": "Online"}]


# Mutation: the dealer import (never for customers; sent twice: the executor, then the
# compiled fast path)


@probe("Mutation.addBooking")
async def _add_booking(w: World) -> None:
    for _ in range(2):
        await forbidden(w.b, ADD, {"input": booking_input(bookingId="by-b")})
    assert (await w.staff.ok(BY_KEY, {"source": "user", "bookingId": "by-b"}))[
        "bookingByExternalKey"
    ] is None


@probe("Mutation.changeBooking")
async def _change_booking(w: World) -> None:
    changed = booking_input(bookingId=DEALER_KEY["bookingId"], reasonKey="hijack")
    for _ in range(2):
        await forbidden(w.b, CHANGE, {"input": changed})


@probe("Mutation.cancelBooking")
async def _cancel_booking(w: World) -> None:
    for _ in range(2):
        await forbidden(w.b, CANCEL, {"input": {"bookingId": DEALER_KEY["bookingId"]}})


# Mutation: staff-only operations on A's booking and group


async def _staff_only(w: World, document: str) -> None:
    for target in ({"bookingId": w.a_active}, {"groupId": w.a_group}):
        await forbidden(w.b, document, {"target": target})


@probe("Mutation.transitionBookings")
async def _transition_bookings(w: World) -> None:
    await _staff_only(w, TRANSITION)


@probe("Mutation.confirmBookings")
async def _confirm_bookings(w: World) -> None:
    await _staff_only(w, CONFIRM_BOOKINGS)


@probe("Mutation.startBookings")
async def _start_bookings(w: World) -> None:
    await _staff_only(w, START_BOOKINGS)


@probe("Mutation.completeBookings")
async def _complete_bookings(w: World) -> None:
    await _staff_only(w, COMPLETE_BOOKINGS)


@probe("Mutation.updateBookingCustomerDetails")
async def _update_booking_customer_details(w: World) -> None:
    # B cannot reach A's booking; an integration may not change contact details at all
    refused = await w.b.ok(CONTACT, {"id": w.a_active, "details": {"email": "b@evil.dk"}})
    assert refused["updateBookingCustomerDetails"]["__typename"] == "NotFoundError"
    await forbidden(w.integration, CONTACT, {"id": w.a_active, "details": {"email": "x@y.dk"}})


@probe("Mutation.declineBookings")
async def _decline_bookings(w: World) -> None:
    await _staff_only(w, DECLINE_BOOKINGS)


@probe("Mutation.markNoShow")
async def _mark_no_show(w: World) -> None:
    await _staff_only(w, NO_SHOW)


@probe("Mutation.setBookingParticipants")
async def _set_booking_participants(w: World) -> None:
    # customers set the participants of their own bookings only: A's is not found
    refused = await w.b.ok(
        PARTICIPANTS_RESULT, {"id": w.a_active, "people": [{"firstName": "Bent"}]}
    )
    assert refused["setBookingParticipants"]["__typename"] == "NotFoundError"
    own = await w.b.ok(
        PARTICIPANTS_RESULT,
        {"id": w.b_booking, "people": [{"firstName": "Bo", "lastName": "Berg", "role": "driver"}]},
    )
    assert own["setBookingParticipants"]["__typename"] == "BookingsChanged"
    # and an integration without the customer's scope may not
    await forbidden(w.integration, PARTICIPANTS, {"id": w.a_active, "people": [{"name": "X"}]})


@probe("Mutation.decideChangeRequest")
async def _decide_change_request(w: World) -> None:
    for approve in (True, False):
        await forbidden(w.b, DECIDE, {"id": w.a_request, "approve": approve})


# Mutation: what a customer may do to its own booking, tried on A's


@probe("Mutation.cancelBookings")
async def _cancel_bookings(w: World) -> None:
    for booking_id in (w.a_active, w.a_done, w.dealer_booking):
        await not_found(
            w.b, CANCEL_BOOKINGS, {"target": {"bookingId": booking_id}}, "cancelBookings"
        )
    await forbidden(w.b, CANCEL_BOOKINGS, {"target": {"groupId": w.a_group}})


@probe("Mutation.rescheduleBooking")
async def _reschedule_booking(w: World) -> None:
    start = local_at(future_day(7), "14:00")
    await not_found(w.b, RESCHEDULE, {"id": w.a_active, "start": start}, "rescheduleBooking")


@probe("Mutation.updateBookingNotes")
async def _update_booking_notes(w: World) -> None:
    await not_found(
        w.b, CUSTOMER_NOTE, {"id": w.a_active, "note": "Hijacked"}, "updateBookingNotes"
    )
    await forbidden(w.b, NOTES, {"id": w.a_active, "internal": "Hijacked"})


@probe("Mutation.postBookingMessage")
async def _post_booking_message(w: World) -> None:
    variables = {"id": w.a_active, "body": "Hello from B", "internal": False}
    await not_found(w.b, MESSAGE, variables, "postBookingMessage")
    await forbidden(w.b, MESSAGE, {**variables, "internal": True})


# Mutation: holds and online booking


@probe("Mutation.reserveTimeslot")
async def _reserve_timeslot(w: World) -> None:
    # B holds the very slot A holds (capacity 5): its own hold, invisible to A
    held = await reserve(w.b, w.workshop_id, w.service_id, local_at(future_day(8), "10:00"))
    assert (await w.a.ok(RESERVATION, {"id": held}))["reservation"] is None
    assert (await w.b.ok(RESERVATION, {"id": held}))["reservation"]["status"] == "HELD"


@probe("Mutation.releaseReservation")
async def _release_reservation(w: World) -> None:
    data = await w.b.ok(RELEASE, {"id": w.a_hold})
    assert data["releaseReservation"] == {"__typename": "NotFoundError", "code": "NOT_FOUND"}


@probe("Mutation.confirmReservation")
async def _confirm_reservation(w: World) -> None:
    # A's hold, confirmed by B as itself: not found
    theirs = await w.b.ok(CONFIRM, {"input": {"reservationId": w.a_hold, "details": {}}})
    assert theirs["confirmReservation"]["__typename"] == "NotFoundError", theirs
    # B's own hold, confirmed as A (inline, or by A's customer id): refused
    held = await reserve(w.b, w.workshop_id, w.service_id, local_at(future_day(8), "12:00"))
    for details in ({"customer": CUSTOMER_A}, {"customerId": w.a_customer_id}):
        await forbidden(w.b, CONFIRM, {"input": {"reservationId": held, "details": details}})
    # and then confirmed as B itself (its existing profile)
    own = await w.b.ok(CONFIRM, {"input": {"reservationId": held, "details": {}}})
    [booking] = own["confirmReservation"]["bookings"]
    assert booking["customer"]["personalIdentifier"] == CUSTOMER_B["personalIdentifier"]


@probe("Mutation.createBooking")
async def _create_booking(w: World) -> None:
    start = local_at(future_day(9), "10:00")
    for details in (
        {"customer": CUSTOMER_A},
        {"customerId": w.a_customer_id},
        {"customer": CUSTOMER_B, "customerId": w.a_customer_id},
    ):
        await forbidden(
            w.b, CREATE_BOOKING, visit_input(w.workshop_id, w.service_id, start, details)
        )
    own = await w.b.ok(CREATE_BOOKING, visit_input(w.workshop_id, w.service_id, start, {}))
    [booking] = own["createBooking"]["bookings"]
    assert booking["customer"]["id"] == w.b_customer_id


# Mutation: the catalog and tenant administration (admin only)


@probe("Mutation.createService")
async def _create_service(w: World) -> None:
    definition = {"names": [{"language": "en", "text": "B's"}], "durationMinutes": 30}
    await forbidden(w.b, CREATE_SERVICE, {"input": definition})


@probe("Mutation.updateService")
async def _update_service(w: World) -> None:
    definition = {"names": [{"language": "en", "text": "Hijacked"}], "durationMinutes": 5}
    await forbidden(w.b, UPDATE_SERVICE, {"id": w.service_id, "input": definition})


@probe("Mutation.updateWorkshop")
async def _update_workshop(w: World) -> None:
    await forbidden(w.b, UPDATE_WORKSHOP, {"input": {"id": w.workshop_id, "name": "Hijacked"}})


@probe("Mutation.createServiceGroup")
async def _create_service_group(w: World) -> None:
    group = {"names": [{"language": "en", "text": "B's"}], "serviceIds": [w.service_id]}
    await forbidden(w.b, CREATE_SERVICE_GROUP, {"input": group})


@probe("Mutation.createResource")
async def _create_resource(w: World) -> None:
    given = {"workshopId": w.workshop_id, "type": "lift", "name": "B's lift"}
    await forbidden(w.b, CREATE_RESOURCE, {"input": given})


@probe("Mutation.updateTenantSettings")
async def _update_tenant_settings(w: World) -> None:
    await forbidden(w.b, UPDATE_SETTINGS, {"input": {"customerChangesNeedApproval": False}})


@probe("Mutation.createWorkshop")
async def _create_workshop(w: World) -> None:
    await forbidden(w.b, CREATE_WORKSHOP, {"input": {"name": "B's", "timeZone": "UTC"}})


# Probes that fail because of a product defect: field -> reason (strict xfail).
KNOWN_DEFECTS: dict[str, str] = {}

# -- the tests ---------------------------------------------------------------------------------


def test_every_query_and_mutation_field_has_a_customer_isolation_probe() -> None:
    # given the fields of the schema the gateway serves
    schema = build_schema()._schema
    fields: set[str] = set()
    for root in (schema.query_type, schema.mutation_type):
        assert root is not None
        fields |= {f"{root.name}.{name}" for name in root.fields}
    assert {"Query.booking", "Mutation.createBooking"} <= fields

    # then each has a probe here, and no probe names a field that is gone
    assert sorted(fields - PROBES.keys()) == [], "add a customer-isolation probe"
    assert sorted(PROBES.keys() - fields) == []


@pytest.mark.parametrize(
    "field",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[name])]
            if name in KNOWN_DEFECTS
            else [],
        )
        for name in sorted(PROBES)
    ],
)
async def test_customer_b_cannot_reach_customer_a_through(
    api: Api, issuer: TokenIssuer, field: str
) -> None:
    # given customers A and B of one tenant, what each owns, and A's data as staff see it
    world = await build_world(api, issuer)
    before = await snapshot(world)

    # when B uses the field on A's data, then B gets nothing of A (asserted by the probe)
    await PROBES[field](world)

    # and A's data, the dealer booking and the catalog are as they were
    assert await snapshot(world) == before


async def test_customer_a_sees_its_own_bookings_feed_history_and_hold(
    api: Api, issuer: TokenIssuer
) -> None:
    # given customer A's two visits, hold and change request, and B's visit
    w = await build_world(api, issuer)

    # when A reads its upcoming visit
    own = (await w.a.ok(OWN_BOOKING, {"id": w.a_active}))["booking"]

    # then it sees its own personal data, the people on it and the customer's side of it
    assert own["customer"] == {
        "id": w.a_customer_id,
        "personalIdentifier": CUSTOMER_A["personalIdentifier"],
        "firstName": "Anna",
        "lastName": "Hansen",
        "email": "anna@example.com",
    }
    assert own["participants"] == [TECHNICIAN]
    assert (own["internalComment"], own["commentToCustomer"]) == (None, "See you")
    assert [m["body"] for m in own["messages"]] == ["Bring the spare key", "I will be late"]
    actions = [e["action"] for e in own["history"]]
    assert actions[0] == "ADDED"
    assert actions[-1] == "CHANGE_REQUESTED"
    assert own["history"][0]["after"]["customerContact"]["email"] == "anna@example.com"
    assert all(
        "internalComment" not in (e["before"] or {}) and "internalComment" not in (e["after"] or {})
        for e in own["history"]
    )

    # and its feed, lists, vehicle history and hold hold A's and nothing else
    feed = await w.a.ok(FEED)
    assert feed_booking_ids(feed) == w.a_bookings
    assert {"ADDED", "STATUS_CHANGED", "CHANGE_REQUESTED"} <= {
        e["event"]["action"] for e in feed["changeFeed"]["events"]
    }
    connection = (await w.a.ok(CONNECTION, {"filter": WINDOW}))["bookingsConnection"]
    assert {e["node"]["id"] for e in connection["edges"]} == w.a_bookings
    groups = (await w.a.ok(GROUPS, {"filter": WINDOW}))["bookingGroups"]
    assert groups["total"] == 2
    assert w.a_group in {g["groupId"] for g in groups["items"]}
    history = (await w.a.ok(HISTORY, {"vin": VIN_A}))["vehicleServiceHistory"]
    assert history == [{"bookingId": w.a_done, "vin": VIN_A, "summary": "Oil and filters"}]
    hold = (await w.a.ok(RESERVATION, {"id": w.a_hold}))["reservation"]
    assert hold == {"id": w.a_hold, "status": "HELD"}
    assert (await w.a.ok(BY_KEY, DEALER_KEY))["bookingByExternalKey"] is None


async def test_a_hold_booked_for_another_customer_is_not_found_for_its_holder(
    api: Api, issuer: TokenIssuer
) -> None:
    # given A's hold, which staff confirmed for customer B
    w = await build_world(api, issuer)
    booked = await w.staff.ok(
        CONFIRM, {"input": {"reservationId": w.a_hold, "details": {"customer": CUSTOMER_B}}}
    )
    [theirs] = booked["confirmReservation"]["bookings"]
    assert theirs["customer"]["id"] == w.b_customer_id

    # when A confirms its hold again ("confirming twice answers the same bookings")
    again = await w.a.ok(CONFIRM, {"input": {"reservationId": w.a_hold, "details": {}}})

    # then A is told there is nothing of its own, and B's booking stays out of its sight
    assert again["confirmReservation"]["__typename"] == "NotFoundError"
    assert (await w.a.ok(BOOKING, {"id": theirs["id"]}))["booking"] is None


async def test_integration_without_customers_read_sees_bookings_but_no_personal_data(
    api: Api, issuer: TokenIssuer
) -> None:
    # given A's visit with contact details and a named technician, read by an integration
    # token without customers:read
    w = await build_world(api, issuer)

    # when it reads the booking and the feed
    booking = (await w.integration.ok(PERSONAL, {"id": w.a_active}))["booking"]
    feed = await w.integration.ok(FEED)

    # then it sees the booking, but no customer, no names and no contact in the history
    assert booking["id"] == w.a_active
    assert booking["customer"] is None
    assert booking["participants"] == [{"personId": "E-17", "name": None, "role": "technician"}]
    assert [e["action"] for e in booking["history"]][:2] == ["ADDED", "CHANGED"]
    assert [personal_keys_in(e) for e in booking["history"]] == [set()] * len(booking["history"])
    events = [e["event"] for e in feed["changeFeed"]["events"]]
    assert w.a_bookings | {w.b_booking, w.dealer_booking} <= feed_booking_ids(feed)
    assert [personal_keys_in(e) for e in events] == [set()] * len(events)

    # and a booking it makes answers without the customer's personal data either
    made = await w.integration.ok(
        CREATE_BOOKING,
        visit_input(
            w.workshop_id,
            w.service_id,
            local_at(future_day(9), "10:00"),
            {"customer": {**CUSTOMER_B, "personalIdentifier": "CARL0000000003"}},
        ),
    )
    [new] = made["createBooking"]["bookings"]
    assert new["customer"] is None
    assert [personal_keys_in(e) for e in new["history"]] == [set()]


async def test_integration_with_customers_read_sees_personal_data(
    api: Api, issuer: TokenIssuer
) -> None:
    # given A's visit, read by an integration token with customers:read
    w = await build_world(api, issuer)

    # when it reads the booking and the feed
    booking = (await w.reader.ok(PERSONAL, {"id": w.a_active}))["booking"]
    feed = await w.reader.ok(FEED)

    # then it sees the customer, the names and the contact details, but no staff notes
    assert booking["customer"] == {
        "personalIdentifier": CUSTOMER_A["personalIdentifier"],
        "firstName": "Anna",
        "email": "anna@example.com",
    }
    assert booking["participants"] == [TECHNICIAN]
    assert booking["internalComment"] is None
    added, participants = booking["history"][:2]
    assert added["after"]["customerContact"] == {
        "email": "anna@example.com",
        "phone": "+45 11 11 11 11",
        "firstName": "Anna",
        "lastName": "Hansen",
    }
    [recorded] = participants["after"]["participants"]
    assert {k: v for k, v in recorded.items() if k in TECHNICIAN} == TECHNICIAN
    assert recorded["id"]
    assert "participants" in {c["field"] for c in participants["changes"]}
    contacts = [
        e["event"]["after"]["customerContact"]["email"]
        for e in feed["changeFeed"]["events"]
        if e["event"]["action"] == "ADDED" and "customerContact" in e["event"]["after"]
    ]
    assert sorted(contacts) == ["anna@example.com", "anna@example.com", "bent@example.com"]


# -- token validation ------------------------------------------------------------------------


def customer_claims(tenant: str, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "booking-gateway",
        "aud": "booking-gateway",
        "sub": "customer",
        "tenant": tenant,
        "scope": "bookings:read bookings:write",
        "iat": now,
        "exp": now + 600,
        "customer": CUSTOMER_A["personalIdentifier"],
    }
    claims.update(overrides)
    return claims


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"customer": "ANNA00001"}, id="too-short"),
        pytest.param({"customer": "A" * 49}, id="too-long"),
        pytest.param({"customer": "ANNA-0000000001"}, id="punctuation"),
        pytest.param({"customer": "ANNA 0000000001"}, id="space"),
        pytest.param({"customer": "ANNA0000000001\n"}, id="trailing-newline"),
        pytest.param({"customer": ""}, id="empty"),
        pytest.param({"customer": 12345678901}, id="number"),
        pytest.param({"customer": ["ANNA0000000001"]}, id="list"),
        pytest.param({"customer": None}, id="null"),
        pytest.param({"scope": "bookings:read staff"}, id="with-staff"),
        pytest.param({"scope": "bookings:read admin"}, id="with-admin"),
        pytest.param({"scope": "bookings:read customers:read"}, id="with-customers-read"),
    ],
)
async def test_a_malformed_or_overpowered_customer_claim_is_refused(
    api: Api, overrides: dict[str, object]
) -> None:
    # given a signed token whose customer claim is not a personal identifier, or comes with
    # staff, admin or customers:read
    token = jwt.encode(customer_claims(api.tenant, **overrides), TEST_SECRET, algorithm="HS256")

    # when it is presented
    response = await api.as_(token).post(VIEWER)

    # then it is refused before GraphQL runs, with a code
    assert response.status_code == 401
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "customer" in error["message"]


async def test_a_well_formed_customer_token_is_accepted(api: Api, issuer: TokenIssuer) -> None:
    # given customer tokens signed by hand and by the issuer
    signed = jwt.encode(customer_claims(api.tenant), TEST_SECRET, algorithm="HS256")
    issued = customer_token(issuer, api.tenant, CUSTOMER_B, "customer-b")

    # when they are presented, then both pass with the customer's scopes
    for token, subject in ((signed, "customer"), (issued, "customer-b")):
        viewer = (await api.as_(token).ok(VIEWER))["viewer"]
        assert (viewer["subject"], viewer["scopes"]) == (subject, CUSTOMER_SCOPES)


async def test_a_customer_never_learns_of_staffs_internal_messages(
    api: Api, issuer: TokenIssuer
) -> None:
    # given A's visit with an internal staff message, an external one and A's own
    w = await build_world(api, issuer)

    # when A and staff read its history and the feed
    mine = (await w.a.ok(OWN_BOOKING, {"id": w.a_active}))["booking"]
    staffs = (await w.staff.ok(OWN_BOOKING, {"id": w.a_active}))["booking"]
    feed = (await w.a.ok(FEED))["changeFeed"]["events"]

    # then staff see three messages posted, A two, none of them internal, in history and feed
    def posted(events: list[dict[str, Any]]) -> list[bool]:
        return [e["after"]["internal"] for e in events if e["action"] == "MESSAGE_POSTED"]

    assert sorted(posted(staffs["history"])) == [False, False, True]
    assert posted(mine["history"]) == [False, False]
    assert posted([e["event"] for e in feed if e["bookingId"] == w.a_active]) == [False, False]


async def test_booking_another_customers_vehicle_reveals_none_of_its_history(
    api: Api, issuer: TokenIssuer
) -> None:
    # given A's completed service of VIN_A, and B booking a visit for that same vehicle
    w = await build_world(api, issuer)
    start = local_at(future_day(9), "11:00")
    await w.b.ok(CREATE_BOOKING, visit_input(w.workshop_id, w.service_id, start, {"vin": VIN_A}))

    # when B reads the vehicle's service history
    history = (await w.b.ok(HISTORY, {"vin": VIN_A}))["vehicleServiceHistory"]

    # then B sees only what its own bookings recorded: nothing of A's
    assert history == []
    assert len((await w.staff.ok(HISTORY, {"vin": VIN_A}))["vehicleServiceHistory"]) == 1

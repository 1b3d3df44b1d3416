"""Regressions found by review: a visit's move leaves finished lines alone, keeps every rule for
customers, respects every line's deadline; deadlines of date-only bookings across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from booking_gateway.auth import TokenIssuer
from tests.api.online import CREATE_BOOKING, CUSTOMER, book, local_at, resource, service, workshop
from tests.api.test_visit_changes import (
    CONFIRM,
    DAY,
    annual_and_tyres,
)
from tests.conftest import Api, ManualClock

SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) {
  updateTenantSettings(input: $input) {
    __typename ... on ValidationError { fields { field message } }
  }
}"""
CANCEL = """
mutation($target: BookingTargetInput!) {
  cancelBookings(target: $target, reason: "x") {
    __typename
    ... on BookingsChanged { bookings { id status } }
    ... on ChangeRequested { changeRequest { id } }
    ... on CancellationWindowClosedError { code lastTimeToCancel }
    ... on InvalidTransitionError { code current }
  }
}"""
RESCHEDULE_C = """
mutation($id: ID!, $start: DateTime!) {
  rescheduleBooking(bookingId: $id, startsAt: $start) {
    __typename
    ... on BookingsChanged { bookings { id status endsAt appointment { startsAt } } }
    ... on SlotUnavailableError { code reason }
    ... on CancellationWindowClosedError { code lastTimeToCancel }
    ... on ValidationError { code fields { field message } }
  }
}"""
READ = """
query($id: ID!) {
  booking(id: $id) { id status revision appointment { startsAt } endsAt lastTimeToCancel }
}"""


def customer_api(api: Api, issuer: TokenIssuer) -> Api:
    return api.as_(
        issuer.issue(tenant=api.tenant, subject="karen", customer=CUSTOMER["personalIdentifier"])
    )


async def test_reschedule_resurrects_a_cancelled_line_of_the_visit(api: Api) -> None:
    # a visit on the only lift: annual 10:00-11:00, tyres 11:00-11:30
    visit = await annual_and_tyres(api, lifts=1)
    annual, tyres = visit["bookings"]
    # staff cancel the tyre line; the lift is free at 11:00 again
    cancelled = await api.ok(CANCEL, {"target": {"bookingId": tyres["id"]}})
    assert cancelled["cancelBookings"]["bookings"][0]["status"] == "CANCELLED"
    before = (await api.ok(READ, {"id": tyres["id"]}))["booking"]

    # staff move the (remaining) annual service to the next day 10:00
    next_day = DAY + timedelta(days=1)
    moved = await api.ok(RESCHEDULE_C, {"id": annual["id"], "start": local_at(next_day, "10:00")})
    assert moved["rescheduleBooking"]["__typename"] == "BookingsChanged", moved

    after = (await api.ok(READ, {"id": tyres["id"]}))["booking"]
    # another car wants the lift at 11:00 the next day: only a CANCELLED line is "there"
    other = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": visit["workshopId"],
                "serviceIds": [visit["serviceIds"][1]],
                "startsAt": local_at(next_day, "11:00"),
                "details": {"customer": CUSTOMER},
            }
        },
    )
    # expected: the cancelled line is left alone and the lift is free
    # then the cancelled line stayed where it was and holds nothing
    assert after == before, "a CANCELLED line was moved (and re-allocated)"
    assert other["createBooking"]["__typename"] == "BookingSuccess", other


async def test_reschedule_of_a_later_line_moves_a_line_past_its_deadline(
    api: Api, issuer: TokenIssuer
) -> None:
    await api.ok(SETTINGS, {"input": {"customerChangesNeedApproval": False}})
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift 1")
    # annual: a 3-day deadline; tyres: none
    annual = await service(
        api,
        workshop_id,
        durationMinutes=60,
        requiredResourceTypes=["lift"],
        cancellationDeadlineMinutes=3 * 24 * 60,
    )
    tyres = await service(
        api,
        workshop_id,
        durationMinutes=30,
        requiredResourceTypes=["lift"],
        combinableWith=[annual],
        cancellationDeadlineMinutes=0,
    )
    customer = customer_api(api, issuer)
    made = await book(customer, workshop_id, [annual, tyres], local_at(DAY, "10:00"))
    assert made["__typename"] == "BookingSuccess", made
    first, second = made["bookings"]

    # the annual line's deadline has passed: the customer cannot cancel or move it
    refused = await customer.ok(
        RESCHEDULE_C, {"id": first["id"], "start": local_at(DAY + timedelta(days=1), "10:00")}
    )
    assert refused["rescheduleBooking"]["__typename"] == "CancellationWindowClosedError", refused

    # ... but moving the tyre line moves the whole visit, the annual line included
    sneaky = await customer.ok(
        RESCHEDULE_C, {"id": second["id"], "start": local_at(DAY + timedelta(days=1), "11:00")}
    )
    read = (await api.ok(READ, {"id": first["id"]}))["booking"]
    assert read["appointment"]["startsAt"] == first["appointment"]["startsAt"], (
        "a line past its cancellation deadline was moved by a customer",
        read,
        sneaky,
    )


async def test_customer_reschedule_of_an_estimated_line_ignores_opening_hours_and_notice(
    api: Api, issuer: TokenIssuer
) -> None:
    await api.ok(SETTINGS, {"input": {"customerChangesNeedApproval": False}})
    workshop_id = await workshop(api)  # open 08:00-16:00 every day
    await resource(api, workshop_id, "lift", "Lift 1")
    svc = await service(api, workshop_id, durationMinutes=60, requiredResourceTypes=["lift"])
    customer = customer_api(api, issuer)
    made = await book(customer, workshop_id, [svc], local_at(DAY, "10:00"))
    assert made["__typename"] == "BookingSuccess", made
    [line] = made["bookings"]
    # staff confirm it with an estimate of 90 minutes
    est = await api.ok(CONFIRM, {"target": {"bookingId": line["id"]}, "minutes": 90})
    assert est["confirmBookings"]["__typename"] == "TransitionBookingsSuccess", est

    # the customer moves it to 03:07 at night (closed, off the 15-minute grid)
    night = local_at(DAY + timedelta(days=1), "03:07")
    moved = await customer.ok(RESCHEDULE_C, {"id": line["id"], "start": night})
    # and to 400 days ahead (past the 180-day horizon)
    far = local_at(DAY + timedelta(days=400), "03:07")
    moved_far = await customer.ok(RESCHEDULE_C, {"id": line["id"], "start": far})
    assert moved["rescheduleBooking"]["__typename"] == "SlotUnavailableError", moved
    assert moved_far["rescheduleBooking"]["__typename"] == "SlotUnavailableError", moved_far


CREATE_WS = """
mutation($input: CreateWorkshopInput!) {
  createWorkshop(input: $input) { __typename ... on CreateWorkshopSuccess { workshop { id } } }
}"""
ADD = "mutation($input: AddBookingInput!) { addBooking(input: $input) }"


async def test_date_only_deadline_across_spring_forward_is_an_hour_late(
    api: Api, issuer: TokenIssuer, clock: ManualClock
) -> None:
    await api.ok(
        SETTINGS,
        {"input": {"customerChangesNeedApproval": False, "cancellationDeadlineMinutes": 1440}},
    )
    made = await api.ok(
        CREATE_WS,
        {"input": {"name": "Dealer", "timeZone": "Europe/Copenhagen", "dealerNumber": "DEU12345N"}},
    )
    assert made["createWorkshop"]["__typename"] == "CreateWorkshopSuccess", made
    # a dealer import for Monday 29 March 2027 (clocks went forward on Sunday the 28th)
    booking_id = (
        await api.ok(
            ADD,
            {
                "input": {
                    "appointmentDate": "2027-03-29",
                    "bookingDealer": "DEU12345N",
                    "bookingId": "dst-1",
                    "bookingSource": "user",
                    "vin": "WV1ZZZ1JZXW000001",
                    "reasonKey": "service",
                    "reasonText": "Service",
                }
            },
        )
    )["addBooking"]
    read = (await api.ok(READ, {"id": booking_id}))["booking"]
    shown = datetime.fromisoformat(read["lastTimeToCancel"])
    # local midnight 2027-03-29 is 2027-03-28T22:00Z; 1440 minutes earlier is 2027-03-27T22:00Z
    correct = datetime(2027, 3, 27, 22, 0, tzinfo=UTC)

    # an integration cancels 30 minutes after the real deadline
    integration = api.as_(
        issuer.issue(tenant=api.tenant, subject="crm", scope="bookings:read bookings:write")
    )
    clock.now = correct + timedelta(minutes=30)
    late = await integration.ok(CANCEL, {"target": {"bookingId": booking_id}})
    assert shown == correct, read
    assert late["cancelBookings"]["__typename"] == "CancellationWindowClosedError", late


UPDATE_SERVICE = """
mutation($id: ID!, $input: ServiceInput!) { updateService(id: $id, input: $input) { __typename } }
"""


async def test_after_a_catalog_duration_change_customers_reschedule_into_closed_hours(
    api: Api, issuer: TokenIssuer
) -> None:
    await api.ok(SETTINGS, {"input": {"customerChangesNeedApproval": False}})
    workshop_id = await workshop(api)
    svc = await service(api, workshop_id, durationMinutes=60)
    customer = customer_api(api, issuer)
    made = await book(customer, workshop_id, [svc], local_at(DAY, "10:00"))
    [line] = made["bookings"]
    # the workshop later shortens the service to 45 minutes
    changed = await api.ok(
        UPDATE_SERVICE,
        {
            "id": svc,
            "input": {
                "names": [{"language": "en", "text": "Oil change"}],
                "durationMinutes": 45,
                "workshopIds": [workshop_id],
            },
        },
    )
    assert changed["updateService"]["__typename"] == "ServiceSuccess", changed
    night = local_at(DAY + timedelta(days=1), "02:10")
    moved = await customer.ok(RESCHEDULE_C, {"id": line["id"], "start": night})
    assert moved["rescheduleBooking"]["__typename"] == "SlotUnavailableError", moved

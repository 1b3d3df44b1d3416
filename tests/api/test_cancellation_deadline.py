"""The cancellation deadline (BokaMera LastTimeToUnBook): customer-side tokens may cancel or
reschedule until it; staff may always."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from booking_gateway.auth import TokenIssuer
from tests.api.online import CUSTOMER, book, future_day, local_at, service, workshop
from tests.conftest import Api, ManualClock

SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) {
  updateTenantSettings(input: $input) {
    __typename ... on UpdateTenantSettingsSuccess { settings { cancellationDeadlineMinutes } }
    ... on ValidationError { code fields { field message } }
  }
}"""
READ = "query($id: ID!) { booking(id: $id) { id status lastTimeToCancel } }"
OUTCOME = """
    __typename
    ... on BookingsChanged { bookings { id status } }
    ... on ChangeRequested { changeRequest { id kind } }
    ... on CancellationWindowClosedError { code message lastTimeToCancel }
"""
CANCEL = (
    'mutation($id: ID!) { cancelBookings(target: {bookingId: $id}, reason: "ill") {'
    + OUTCOME
    + "} }"
)
RESCHEDULE = (
    "mutation($id: ID!, $start: DateTime!) { rescheduleBooking(bookingId: $id, startsAt: $start)"
    " {" + OUTCOME + "} }"
)


async def booked(api: Api, issuer: TokenIssuer, **catalog: Any) -> tuple[Api, dict[str, Any]]:
    """A booking three days ahead at 10:00 by the customer's own token."""
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, **catalog)
    customer = api.as_(
        issuer.issue(
            tenant=api.tenant,
            subject="karen",
            scope="bookings:read bookings:write",
            customer=CUSTOMER["personalIdentifier"],
        )
    )
    result = await book(customer, workshop_id, [service_id], local_at(future_day(3), "10:00"))
    assert result["__typename"] == "BookingSuccess", result
    return customer, result["bookings"][0]


async def settings(api: Api, **values: Any) -> None:
    updated = await api.ok(SETTINGS, {"input": values})
    assert updated["updateTenantSettings"]["__typename"] == "UpdateTenantSettingsSuccess"


async def test_every_booking_shows_its_deadline_from_its_service_else_the_tenant(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a tenant deadline of a day, one service with its own of two hours, one without
    await settings(api, cancellationDeadlineMinutes=24 * 60)
    customer, own = await booked(api, issuer, cancellationDeadlineMinutes=120)
    _, tenants = await booked(api, issuer)

    # when both bookings are read
    first = (await customer.ok(READ, {"id": own["id"]}))["booking"]
    second = (await api.ok(READ, {"id": tenants["id"]}))["booking"]

    # then each deadline is its rule's minutes before the start
    start = datetime.fromisoformat(own["appointment"]["startsAt"])
    assert datetime.fromisoformat(first["lastTimeToCancel"]) == start - timedelta(hours=2)
    assert datetime.fromisoformat(second["lastTimeToCancel"]) == start - timedelta(days=1)


async def test_after_the_deadline_customers_are_refused_and_staff_may_still_cancel(
    api: Api, issuer: TokenIssuer, clock: ManualClock
) -> None:
    # given a booking with a two-hour deadline, changes applied without approval
    await settings(api, customerChangesNeedApproval=False)
    customer, booking = await booked(api, issuer, cancellationDeadlineMinutes=120)
    start = datetime.fromisoformat(booking["appointment"]["startsAt"])
    moved = (start + timedelta(hours=1)).isoformat()

    # when the clock passes the deadline and the customer cancels and reschedules
    clock.advance(start - timedelta(hours=2) - clock() + timedelta(minutes=1))
    cancel = (await customer.ok(CANCEL, {"id": booking["id"]}))["cancelBookings"]
    reschedule = (await customer.ok(RESCHEDULE, {"id": booking["id"], "start": moved}))[
        "rescheduleBooking"
    ]

    # then both are refused with the deadline, and the booking is unchanged
    for refused in (cancel, reschedule):
        assert refused["__typename"] == "CancellationWindowClosedError"
        assert refused["code"] == "CANCELLATION_WINDOW_CLOSED"
        assert datetime.fromisoformat(refused["lastTimeToCancel"]) == start - timedelta(hours=2)
    assert (await api.ok(READ, {"id": booking["id"]}))["booking"]["status"] == "CONFIRMED"

    # and staff cancel all the same
    by_staff = (await api.ok(CANCEL, {"id": booking["id"]}))["cancelBookings"]
    assert by_staff["bookings"][0]["status"] == "CANCELLED"


async def test_before_the_deadline_a_customer_cancels_and_after_it_cannot_even_ask(
    api: Api, issuer: TokenIssuer, clock: ManualClock
) -> None:
    # given a booking whose changes need approval, a day's deadline
    customer, booking = await booked(api, issuer, cancellationDeadlineMinutes=24 * 60)
    start = datetime.fromisoformat(booking["appointment"]["startsAt"])

    # when the customer asks to cancel before the deadline, and again after it
    asked = (await customer.ok(CANCEL, {"id": booking["id"]}))["cancelBookings"]
    clock.advance(start - timedelta(days=1) - clock() + timedelta(seconds=1))
    late = (await customer.ok(CANCEL, {"id": booking["id"]}))["cancelBookings"]

    # then the first is a change request, the second is refused
    assert asked["__typename"] == "ChangeRequested"
    assert asked["changeRequest"]["kind"] == "CANCEL"
    assert late["__typename"] == "CancellationWindowClosedError"


async def test_deadlines_out_of_range_are_refused(api: Api) -> None:
    # when a deadline of more than 30 days is set for the tenant
    refused = await api.ok(SETTINGS, {"input": {"cancellationDeadlineMinutes": 43_201}})

    # then it names the field
    result = refused["updateTenantSettings"]
    assert result["code"] == "BAD_USER_INPUT"
    assert result["fields"][0]["field"] == "cancellationDeadlineMinutes"

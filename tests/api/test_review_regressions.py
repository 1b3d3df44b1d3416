"""Regressions found in review: each was a 500, a leak or a wrong answer once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from booking_gateway.auth import TokenIssuer
from tests.api.online import (
    CREATE_BOOKING,
    CREATE_WORKSHOP,
    CUSTOMER,
    RESERVE,
    TIMESLOTS,
    book,
    future_day,
    local_at,
    resource,
    service,
    workshop,
)
from tests.api.queries import ADD, CANCEL, CHANGE, UPDATE_SETTINGS, booking_input
from tests.conftest import FIXED_NOW, Api


def kinds(bodies: list[dict[str, Any]], field: str) -> Counter[str]:
    counted: Counter[str] = Counter()
    for body in bodies:
        if "errors" in body:
            counted[body["errors"][0]["extensions"]["code"]] += 1
        else:
            counted[body["data"][field]["__typename"]] += 1
    return counted


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("appointmentDate", "0001-01-01T00:00:00+01:00"),
        ("appointmentDate", "9999-12-31T23:00:00-05:00"),
        ("appointmentDate", "0001-01-01"),
        ("bookingCreatedAt", "0001-01-01T00:00:00+00:01"),
    ],
)
async def test_dates_at_the_ends_of_the_calendar_are_bad_input(
    api: Api, field: str, value: str
) -> None:
    error = await api.error(ADD, {"input": booking_input(**{field: value})})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_far_dates_in_timeslots_lists_and_holds_are_bad_input(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    slots = await api.error(
        TIMESLOTS,
        {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "from": "9999-12-30",
            "to": "9999-12-31",
        },
    )
    assert slots["extensions"]["code"] == "BAD_USER_INPUT"
    groups = await api.error('query { bookingGroups(filter: {from: "9999-12-31"}) { total } }')
    assert groups["extensions"]["code"] == "BAD_USER_INPUT"
    hold = await api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": "0001-01-01T00:00:00Z",
            }
        },
    )
    assert hold["reserveTimeslot"]["__typename"] == "ValidationError"


async def test_a_requested_resource_of_a_type_no_service_needs_is_refused(api: Api) -> None:
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift")
    technician = await resource(api, workshop_id, "technician", "Ole")
    service_id = await service(
        api, workshop_id, requiredResourceTypes=["lift"], resourceSelection=True
    )
    error = await api.error(
        TIMESLOTS,
        {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "from": future_day().isoformat(),
            "to": future_day().isoformat(),
            "resource": technician,
        },
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_customer_tokens_never_see_or_write_internal_comments(
    api: Api, issuer: TokenIssuer
) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    booking = {
        "workshopId": workshop_id,
        "serviceIds": [service_id],
        "startsAt": local_at(future_day(), "09:00"),
        "details": {"customer": CUSTOMER, "internalComment": "difficult customer"},
    }
    staff = await api.ok(CREATE_BOOKING, {"input": booking})
    booking_id = staff["createBooking"]["bookings"][0]["id"]
    customer = api.as_(issuer.issue(tenant=api.tenant, subject="karen"))
    seen = await customer.ok(
        "query($id: ID!) { booking(id: $id) { internalComment history { after } } }",
        {"id": booking_id},
    )
    assert seen["booking"]["internalComment"] is None
    assert "internalComment" not in seen["booking"]["history"][0]["after"]
    refused = await customer.error(
        CREATE_BOOKING, {"input": {**booking, "startsAt": local_at(future_day(), "11:00")}}
    )
    assert refused["extensions"]["code"] == "FORBIDDEN"


async def test_the_import_cannot_change_or_cancel_finished_work(api: Api) -> None:
    added = await api.ok(ADD, {"input": booking_input()})
    target = {"bookingId": added["addBooking"]}
    for step in ("startBookings", "completeBookings"):
        await api.ok(
            f"mutation($t: BookingTargetInput!) {{ {step}(target: $t) {{ __typename }} }}",
            {"t": target},
        )
    changed = await api.error(CHANGE, {"input": booking_input(appointmentDate="2030-01-01")})
    cancelled = await api.error(CANCEL, {"input": {"bookingId": "12345"}})
    assert changed["extensions"]["code"] == cancelled["extensions"]["code"] == "BOOKING_CLOSED"


async def test_the_vehicle_policy_spans_the_tenants_workshops(
    api: Api, issuer: TokenIssuer
) -> None:
    await api.ok(UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": True}})
    ids = []
    for dealer in ("A1", "B1"):
        made = await api.ok(
            CREATE_WORKSHOP, {"input": {"name": dealer, "timeZone": "UTC", "dealerNumber": dealer}}
        )
        ids.append(made["createWorkshop"]["workshop"]["id"])
    first = api.as_(issuer.issue(tenant=api.tenant, workshop=ids[0]))
    second = api.as_(issuer.issue(tenant=api.tenant, workshop=ids[1]))
    next_week = (FIXED_NOW + timedelta(days=7)).date().isoformat()
    await first.ok(
        ADD,
        {"input": booking_input(bookingId="a", bookingDealer="A1", appointmentDate=next_week)},
    )
    error = await second.error(ADD, {"input": booking_input(bookingId="b", bookingDealer="B1")})
    assert error["extensions"]["code"] == "ACTIVE_BOOKING_EXISTS"


async def test_workshop_tokens_see_only_their_workshops_change_requests(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a booking in workshop 2 with a pending customer request
    first = await workshop(api)
    second = await workshop(api)
    service_id = await service(api, second)
    made = await book(api, second, [service_id], local_at(future_day(), "09:00"))
    booking_id = made["bookings"][0]["id"]
    customer = api.as_(issuer.issue(tenant=api.tenant, subject="karen"))
    await customer.ok(
        "mutation($t: BookingTargetInput!) { cancelBookings(target: $t) { __typename } }",
        {"t": {"bookingId": booking_id}},
    )

    # then staff of another workshop see none of it
    first_staff = api.as_(
        issuer.issue(tenant=api.tenant, scope="bookings:read bookings:write staff", workshop=first)
    )
    listed = await first_staff.ok("{ changeRequests { total } }")
    assert listed["changeRequests"]["total"] == 0
    assert (await api.ok("{ changeRequests { total } }"))["changeRequests"]["total"] == 1


async def test_concurrent_visits_in_opposite_service_order_never_fail_with_500(
    api: Api,
) -> None:
    workshop_id = await workshop(api)
    x = await service(api, workshop_id, maxNumberOfReservations=50)
    y = await service(api, workshop_id, maxNumberOfReservations=50, combinableWith=[x])
    bodies = await asyncio.gather(
        *(
            api.post(
                CREATE_BOOKING,
                {
                    "input": {
                        "workshopId": workshop_id,
                        "serviceIds": [x, y] if i % 2 else [y, x],
                        "placement": "PARALLEL",
                        "startsAt": local_at(future_day(), f"{9 + i % 3}:00"),
                        "details": {
                            "customer": {**CUSTOMER, "personalIdentifier": "SAMECUSTOMER01"}
                        },
                    }
                },
            )
            for i in range(18)
        )
    )
    assert kinds([b.json() for b in bodies], "createBooking") == {"BookingSuccess": 18}


async def test_concurrent_holds_use_every_free_resource(api: Api) -> None:
    workshop_id = await workshop(api)
    for n in range(3):
        await resource(api, workshop_id, "lift", f"Lift {n}")
    service_id = await service(
        api, workshop_id, maxNumberOfReservations=10, requiredResourceTypes=["lift"]
    )
    visit = {
        "workshopId": workshop_id,
        "serviceIds": [service_id],
        "startsAt": local_at(future_day(), "10:00"),
    }
    bodies = await asyncio.gather(*(api.post(RESERVE, {"input": visit}) for _ in range(8)))
    counted = kinds([b.json() for b in bodies], "reserveTimeslot")
    assert counted["ReserveTimeslotSuccess"] == 3
    assert counted["SlotUnavailableError"] == 5


async def test_ten_minute_services_book_back_to_back(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, durationMinutes=10, slotIntervalMinutes=10)
    for start in ("09:00", "09:10", "09:20"):
        made = await book(api, workshop_id, [service_id], local_at(future_day(), start))
        assert made["__typename"] == "BookingSuccess", made


async def test_concurrent_workshops_with_one_dealer_number_get_a_validation_error(
    api: Api,
) -> None:
    document = "mutation($i: CreateWorkshopInput!) { createWorkshop(input: $i) { __typename } }"
    bodies = await asyncio.gather(
        *(
            api.post(document, {"i": {"name": "W", "timeZone": "UTC", "dealerNumber": "DUP1"}})
            for _ in range(8)
        )
    )
    assert kinds([b.json() for b in bodies], "createWorkshop") == {
        "CreateWorkshopSuccess": 1,
        "ValidationError": 7,
    }


async def test_group_transitions_refuse_an_expected_revision(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    made = await book(api, workshop_id, [service_id], local_at(future_day(), "09:00"))
    result = await api.ok(
        "mutation($t: BookingTargetInput!) { transitionBookings(target: $t, to: CANCELLED, "
        "expectedRevision: 999) { __typename } }",
        {"t": {"groupId": made["groupId"]}},
    )
    assert result["transitionBookings"]["__typename"] == "ValidationError"

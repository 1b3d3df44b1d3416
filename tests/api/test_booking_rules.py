"""Rules every way of booking keeps (found by running the seeds' flows): held spots, the slot
grid, expiry as read, and one active booking per vehicle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from booking_gateway.auth import TokenIssuer
from tests.api.online import (
    CONFIRM,
    CREATE_BOOKING,
    CUSTOMER,
    RESERVE,
    book,
    future_day,
    local_at,
    service,
    workshop,
)
from tests.api.queries import ADD, UPDATE_SETTINGS, booking_input
from tests.conftest import FIXED_NOW, Api, ManualClock

RESERVATION = "query($id: ID!) { reservation(id: $id) { id status expiresAt } }"
VIN = "WVWZZZAUZKW123456"


def customer_side(api: Api, issuer: TokenIssuer) -> Api:
    return api.as_(issuer.issue(tenant=api.tenant, subject="shop-frontend"))


async def reserve(api: Api, workshop_id: str, service_id: str, start: str, **extra: Any) -> str:
    reserved = await api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": start,
                **extra,
            }
        },
    )
    result = reserved["reserveTimeslot"]
    assert result["__typename"] == "ReserveTimeslotSuccess", result
    hold: str = result["reservation"]["id"]
    return hold


async def test_a_hold_is_confirmed_only_with_the_spots_it_holds(api: Api) -> None:
    # given a one-spot hold of a group-bookable service priced per adult
    workshop_id = await workshop(api)
    service_id = await service(
        api,
        workshop_id,
        maxNumberOfReservations=60,
        groupBookingMax=50,
        priceCategories=[{"id": "adult", "name": "Adult", "price": "300", "currency": "SEK"}],
    )
    hold = await reserve(api, workshop_id, service_id, local_at(future_day(3), "09:00"))

    # when it is confirmed with 50 adults, then with one
    many = await api.ok(
        CONFIRM,
        {
            "input": {
                "reservationId": hold,
                "details": {
                    "customer": CUSTOMER,
                    "quantities": [{"priceCategoryId": "adult", "quantity": 50}],
                },
            }
        },
    )
    one = await api.ok(
        CONFIRM,
        {
            "input": {
                "reservationId": hold,
                "details": {
                    "customer": CUSTOMER,
                    "quantities": [{"priceCategoryId": "adult", "quantity": 1}],
                },
            }
        },
    )

    # then 50 is refused on the quantities, and one books the hold
    refused = many["confirmReservation"]
    assert refused["__typename"] == "ValidationError"
    assert [f["field"] for f in refused["fields"]] == ["quantities"]
    assert one["confirmReservation"]["__typename"] == "BookingSuccess"
    assert one["confirmReservation"]["bookings"][0]["spots"] == 1


async def test_customer_side_starts_must_be_on_the_grid_that_timeslots_offer(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a service on a 15-minute grid from the 08:00 opening
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, slotIntervalMinutes=15)
    frontend = customer_side(api, issuer)
    day = future_day(3)

    # when a front end books 10:07, reserves 10:07, and books 10:15
    off = await book(frontend, workshop_id, [service_id], local_at(day, "10:07"))
    held = await frontend.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(day, "10:07"),
            }
        },
    )
    on = await book(frontend, workshop_id, [service_id], local_at(day, "10:15"))

    # then both off-grid attempts name startsAt, and the grid start is booked
    for refused in (off, held["reserveTimeslot"]):
        assert refused["__typename"] == "ValidationError", refused
        assert refused["fields"][0]["field"] == "startsAt"
        assert "every 15 minutes from 08:00" in refused["fields"][0]["message"]
    assert on["__typename"] == "BookingSuccess"

    # and staff may still book between grid starts
    assert (await book(api, workshop_id, [service_id], local_at(day, "12:07")))[
        "__typename"
    ] == "BookingSuccess"


async def test_a_hold_reads_expired_from_the_moment_it_expires(
    api: Api, clock: ManualClock
) -> None:
    # given a hold of 15 minutes
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    hold = await reserve(api, workshop_id, service_id, local_at(future_day(3), "09:00"))
    before = (await api.ok(RESERVATION, {"id": hold}))["reservation"]

    # when the clock reaches its expiry, with no other write in between
    clock.advance(timedelta(minutes=15))
    after = (await api.ok(RESERVATION, {"id": hold}))["reservation"]

    # then it read HELD before and reads EXPIRED now
    assert before["status"] == "HELD"
    assert after["status"] == "EXPIRED"


async def test_one_active_booking_per_vehicle_holds_for_online_bookings_too(api: Api) -> None:
    # given the policy, and a dealer-imported booking of the vehicle next week
    await api.ok(UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": True}})
    next_week = (FIXED_NOW + timedelta(days=7)).date().isoformat()
    await api.ok(ADD, {"input": booking_input(vin=VIN, appointmentDate=next_week)})
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    start = local_at(future_day(3), "09:00")

    # when the vehicle is booked online, and another vehicle is
    same = await api.error(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": start,
                "details": {"customer": CUSTOMER, "vin": VIN},
            }
        },
    )
    other = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": start,
                "details": {"customer": CUSTOMER, "vin": "WVWZZZAUZKW654321"},
            }
        },
    )

    # then the first is refused and names no other booking, the second is booked
    assert same["extensions"] == {"code": "ACTIVE_BOOKING_EXISTS"}
    assert other["createBooking"]["__typename"] == "BookingSuccess"

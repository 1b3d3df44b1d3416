"""The online booking flow of the 003 and 004 APIs, through GraphQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from booking_gateway.auth import TokenIssuer
from tests.api.online import (
    CONFIRM,
    CREATE_BOOKING,
    CUSTOMER,
    RELEASE,
    RESERVE,
    TIMESLOTS,
    UPDATE_WORKSHOP,
    future_day,
    local_at,
    resource,
    service,
    workshop,
)
from tests.api.queries import BY_ID, UPDATE_SETTINGS
from tests.conftest import FIXED_NOW, Api, ManualClock

SERVICES = """
query($workshopId: ID) {
  services(workshopId: $workshopId) {
    id name description onlineBookable maxNumberOfReservations durationMinutes
    names { language text } workshops { id name address { city } location { latitude } }
    customFields { id isMandatory regEx values dataType }
  }
  serviceGroups { id name services { id } }
}"""


def booking_details(**overrides: Any) -> dict[str, Any]:
    details: dict[str, Any] = {"customer": CUSTOMER}
    details.update(overrides)
    return details


async def test_the_003_flow_services_timeslots_reserve_confirm(api: Api) -> None:
    # given a workshop open 08-16 with a 60-minute service on a lift
    workshop_id = await workshop(api)
    lift = await resource(api, workshop_id, "lift", "Lift 1")
    service_id = await service(
        api,
        workshop_id,
        requiredResourceTypes=["lift"],
        descriptions=[{"language": "da", "text": "Skift af olie"}],
    )
    day = future_day()

    # when a front end lists services in Danish
    listed = await api.post(
        SERVICES, {"workshopId": workshop_id}, **{"accept-language": "da-DK,da;q=0.9"}
    )
    assert "errors" not in listed.json(), listed.json()
    [found] = listed.json()["data"]["services"]
    assert (found["name"], found["description"]) == ("Olieskift", "Skift af olie")
    assert found["workshops"][0]["address"]["city"] == "København"

    # and asks for timeslots of one day
    slots = await api.ok(
        TIMESLOTS,
        {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "from": day.isoformat(),
            "to": day.isoformat(),
        },
    )
    [slot_day] = slots["timeslots"]["days"]
    assert slots["timeslots"]["timeZone"] == "Europe/Copenhagen"
    assert slot_day["localStartsAt"][0] == local_at(day, "08:00")
    assert slot_day["localStartsAt"][-1] == local_at(day, "15:00")
    assert len(slot_day["startsAt"]) == 29  # 08:00 .. 15:00 every 15 minutes

    # and reserves the first, then confirms it with the customer's details
    reserved = await api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": slot_day["startsAt"][0],
                "notes": "Winter tyres in the boot",
            }
        },
    )
    hold = reserved["reserveTimeslot"]["reservation"]
    assert hold["status"] == "HELD"
    assert hold["lines"][0]["resourceIds"] == [lift]
    confirmed = await api.ok(
        CONFIRM, {"input": {"reservationId": hold["id"], "details": booking_details()}}
    )

    # then one booking exists with its customer, service, resource and history
    result = confirmed["confirmReservation"]
    assert result["__typename"] == "BookingSuccess", result
    [booking] = result["bookings"]
    assert booking["status"] == "CONFIRMED"
    assert booking["appointment"]["localStartsAt"] == local_at(day, "08:00")
    assert booking["service"]["id"] == service_id
    assert booking["customer"]["firstName"] == "Karen"
    assert booking["resources"] == [{"id": lift, "type": "lift"}]
    assert [e["action"] for e in booking["history"]] == ["ADDED"]
    read_back = await api.ok(BY_ID, {"id": booking["id"]})
    assert read_back["booking"]["history"][0]["after"]["customerId"] == booking["customer"]["id"]

    # and the slot is gone from the listing (capacity 1)
    again = await api.ok(
        TIMESLOTS,
        {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "from": day.isoformat(),
            "to": day.isoformat(),
        },
    )
    assert slot_day["startsAt"][0] not in again["timeslots"]["days"][0]["startsAt"]


async def test_confirming_twice_gives_the_same_booking_once(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    day = future_day()
    hold = await api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(day, "09:00"),
            }
        },
    )
    reservation_id = hold["reserveTimeslot"]["reservation"]["id"]
    first = await api.ok(
        CONFIRM, {"input": {"reservationId": reservation_id, "details": booking_details()}}
    )
    second = await api.ok(
        CONFIRM, {"input": {"reservationId": reservation_id, "details": booking_details()}}
    )
    assert first["confirmReservation"]["bookings"] == second["confirmReservation"]["bookings"]
    assert len(first["confirmReservation"]["bookings"]) == 1


async def test_release_frees_the_slot_at_once(api: Api) -> None:
    # given a held slot of a capacity-1 service
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    start = local_at(future_day(), "10:00")
    visit = {"workshopId": workshop_id, "serviceIds": [service_id], "startsAt": start}
    held = await api.ok(RESERVE, {"input": visit})
    blocked = await api.ok(RESERVE, {"input": visit})
    assert blocked["reserveTimeslot"]["reason"] == "HELD"

    # when it is released
    released = await api.ok(RELEASE, {"id": held["reserveTimeslot"]["reservation"]["id"]})

    # then it can be reserved again
    assert released["releaseReservation"]["reservation"]["status"] == "RELEASED"
    again = await api.ok(RESERVE, {"input": visit})
    assert again["reserveTimeslot"]["__typename"] == "ReserveTimeslotSuccess", again


async def test_a_hold_blocks_the_slot_until_the_clock_passes_its_expiry(
    api: Api, clock: ManualClock
) -> None:
    # given a 15-minute hold (the default) on a capacity-1 service, taken at the suite's now
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    visit = {
        "workshopId": workshop_id,
        "serviceIds": [service_id],
        "startsAt": local_at(future_day(), "10:00"),
    }
    held = (await api.ok(RESERVE, {"input": visit}))["reserveTimeslot"]["reservation"]
    expires_at = datetime.fromisoformat(held["expiresAt"])
    assert timedelta(minutes=15) <= expires_at - FIXED_NOW < timedelta(minutes=15, seconds=1)

    # when 14 minutes pass, the slot is still held
    clock.advance(timedelta(minutes=14))
    blocked = await api.ok(RESERVE, {"input": visit})
    assert blocked["reserveTimeslot"]["reason"] == "HELD"

    # then once 15 have passed the hold cannot be confirmed and the slot is free again
    clock.advance(timedelta(minutes=1))
    confirmed = await api.ok(
        CONFIRM, {"input": {"reservationId": held["id"], "details": booking_details()}}
    )
    assert confirmed["confirmReservation"]["__typename"] == "ReservationExpiredError", confirmed
    assert datetime.fromisoformat(confirmed["confirmReservation"]["expiredAt"]) == expires_at
    again = await api.ok(RESERVE, {"input": visit})
    assert again["reserveTimeslot"]["__typename"] == "ReserveTimeslotSuccess", again


@pytest.mark.parametrize(
    ("hhmm", "days_ahead", "reason"),
    [("06:00", 7, "CLOSED"), ("15:30", 7, "CLOSED"), ("10:00", 400, "TOO_FAR_AHEAD")],
)
async def test_slot_rules_name_the_reason(
    api: Api, hhmm: str, days_ahead: int, reason: str
) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    result = await api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(days_ahead), hhmm),
            }
        },
    )
    assert result["reserveTimeslot"]["__typename"] == "SlotUnavailableError"
    assert result["reserveTimeslot"]["reason"] == reason
    assert result["reserveTimeslot"]["code"] == "SLOT_UNAVAILABLE"


async def test_too_soon_respects_minimum_notice(api: Api) -> None:
    # given a workshop open around the clock and a minimum notice of 2 days
    workshop_id = await workshop(
        api, hours=[{"weekday": d, "intervals": [["00:00", "23:45"]]} for d in range(7)]
    )
    service_id = await service(api, workshop_id, durationMinutes=15)
    await api.ok(UPDATE_SETTINGS, {"input": {"minimumNoticeMinutes": 2880}})
    result = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(1), "12:00"),
                "details": booking_details(),
            }
        },
    )
    assert result["createBooking"]["reason"] == "TOO_SOON"


async def test_capacity_and_resources_decide_who_gets_a_slot(api: Api) -> None:
    # given a service with room for 2 at once, needing one of 2 lifts... and 1 technician
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift 1")
    await resource(api, workshop_id, "lift", "Lift 2")
    await resource(api, workshop_id, "technician", "Ole")
    service_id = await service(
        api, workshop_id, maxNumberOfReservations=2, requiredResourceTypes=["lift", "technician"]
    )
    booking = {
        "workshopId": workshop_id,
        "serviceIds": [service_id],
        "startsAt": local_at(future_day(), "11:00"),
        "details": booking_details(),
    }

    # when two book the same start
    first = await api.ok(CREATE_BOOKING, {"input": booking})
    second = await api.ok(CREATE_BOOKING, {"input": booking})

    # then the one technician decides
    assert first["createBooking"]["__typename"] == "BookingSuccess"
    assert second["createBooking"]["reason"] == "RESOURCE_BUSY"


async def test_one_step_booking_with_quantities_custom_fields_and_answers(api: Api) -> None:
    # given a group-bookable service with prices, a custom field and questions
    workshop_id = await workshop(api)
    service_id = await service(
        api,
        workshop_id,
        maxNumberOfReservations=6,
        groupBookingMax=4,
        priceCategories=[
            {"id": "car", "name": "Car", "price": "499.00", "currency": "DKK"},
            {
                "id": "fee",
                "name": "Fee",
                "price": "50.00",
                "currency": "DKK",
                "occupiesSpot": False,
            },
        ],
        customFields=[
            {"id": "mileage", "name": "Mileage", "dataType": "NUMBER", "isMandatory": True},
            {
                "id": "fuel",
                "name": "Fuel",
                "dataType": "DROPDOWN",
                "values": ["petrol", "diesel", "electric"],
            },
        ],
        informationQuestions=[{"id": "q1", "questionText": "Anything else?", "required": True}],
        screeningQuestions=[
            {
                "id": "s1",
                "questionText": "Is the car driveable?",
                "yesRequiredAnswer": True,
                "answerDeniedMessage": "Call us",
            }
        ],
    )
    details = booking_details(
        quantities=[
            {"priceCategoryId": "car", "quantity": 2},
            {"priceCategoryId": "fee", "quantity": 1},
        ],
        customFieldValues=[{"id": "mileage", "value": "45000"}, {"id": "fuel", "value": "diesel"}],
        answers=[
            {"questionId": "q1", "answer": "Squeaky brakes"},
            {"questionId": "s1", "answer": "yes"},
        ],
        vin="WVWZZZAUZKW123456",
        registrationNumber="AB 12 345",
        internalComment="VIP",
        commentToCustomer="See you",
        notifications={"sendSmsReminder": True},
    )

    # when it is booked in one step
    result = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(), "12:00"),
                "details": details,
            }
        },
    )

    # then everything is on the booking
    assert result["createBooking"]["__typename"] == "BookingSuccess", result
    [booking] = result["createBooking"]["bookings"]
    assert booking["spots"] == 2
    assert booking["quantities"] == [
        {"priceCategoryId": "car", "quantity": 2},
        {"priceCategoryId": "fee", "quantity": 1},
    ]
    assert {v["id"]: v["value"] for v in booking["customFieldValues"]} == {
        "mileage": "45000",
        "fuel": "diesel",
    }
    assert {a["questionId"] for a in booking["answers"]} == {"q1", "s1"}
    assert booking["registrationNumber"] == "AB 12 345"
    assert booking["internalComment"] == "VIP"
    assert booking["notifications"] == {"sendEmailConfirmation": True, "sendSmsReminder": True}


async def test_invalid_details_are_all_reported_and_nothing_is_booked(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(
        api,
        workshop_id,
        customFields=[
            {
                "id": "plate",
                "name": "Plate",
                "isMandatory": True,
                "regEx": "[A-Z]{2} ?[0-9]{5}",
                "regExErrorMessage": "Like AB 12345",
            }
        ],
        screeningQuestions=[
            {"id": "s1", "questionText": "Driveable?", "answerDeniedMessage": "Call us instead"}
        ],
    )
    start = local_at(future_day(), "13:00")
    bad = booking_details(
        customer={**CUSTOMER, "personalIdentifier": "short", "email": "not-an-email"},
        customFieldValues=[{"id": "plate", "value": "nope"}],
        answers=[{"questionId": "s1", "answer": "no"}],
    )
    result = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": start,
                "details": bad,
            }
        },
    )
    error = result["createBooking"]
    assert error["__typename"] == "ValidationError"
    messages = {f["field"]: f["message"] for f in error["fields"]}
    assert set(messages) == {
        "customer.personalIdentifier",
        "customer.email",
        "customFieldValues.plate",
        "answers.s1",
    }
    assert messages["customFieldValues.plate"] == "Like AB 12345"
    assert messages["answers.s1"] == "Call us instead"

    # and the slot is still free
    good = booking_details(
        customFieldValues=[{"id": "plate", "value": "AB 12345"}],
        answers=[{"questionId": "s1", "answer": "yes"}],
    )
    ok = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": start,
                "details": good,
            }
        },
    )
    assert ok["createBooking"]["__typename"] == "BookingSuccess", ok


async def test_an_existing_customer_profile_is_never_overwritten(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, maxNumberOfReservations=5)
    first = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(), "09:00"),
                "details": booking_details(),
            }
        },
    )
    renamed = {**CUSTOMER, "firstName": "Someone", "email": "other@example.com"}
    second = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(), "10:00"),
                "details": booking_details(customer=renamed),
            }
        },
    )
    one = first["createBooking"]["bookings"][0]["customer"]
    two = second["createBooking"]["bookings"][0]["customer"]
    assert one == two
    assert two["firstName"] == "Karen"


async def test_multi_service_visit_is_placed_back_to_back_with_one_group(api: Api) -> None:
    # given two combinable services needing different resources
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift")
    await resource(api, workshop_id, "washer", "Wash bay")
    oil = await service(api, workshop_id, requiredResourceTypes=["lift"])
    wash = await service(
        api,
        workshop_id,
        durationMinutes=30,
        requiredResourceTypes=["washer"],
        combinableWith=[oil],
        names=[{"language": "en", "text": "Car wash"}],
    )
    start = local_at(future_day(), "14:00")

    # when booked together
    result = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [oil, wash],
                "startsAt": start,
                "details": booking_details(),
            }
        },
    )

    # then two bookings share a group and follow each other
    [first, second] = result["createBooking"]["bookings"]
    assert first["groupId"] == second["groupId"] == result["createBooking"]["groupId"]
    assert first["appointment"]["localStartsAt"] == start
    assert second["appointment"]["startsAt"] == first["endsAt"]
    assert (first["resources"][0]["type"], second["resources"][0]["type"]) == ("lift", "washer")

    # and a visit that would run past closing is refused as a whole
    late = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [oil, wash],
                "startsAt": local_at(future_day(), "15:00"),
                "details": booking_details(),
            }
        },
    )
    assert late["createBooking"]["reason"] == "CLOSED"


async def test_services_that_do_not_combine_are_refused(api: Api) -> None:
    workshop_id = await workshop(api)
    a = await service(api, workshop_id)
    b = await service(api, workshop_id)
    result = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [a, b],
                "startsAt": local_at(future_day(), "09:00"),
                "details": booking_details(),
            }
        },
    )
    assert result["createBooking"]["__typename"] == "ValidationError"


async def test_only_admins_book_outside_opening_hours(api: Api, issuer: TokenIssuer) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    booking = {
        "workshopId": workshop_id,
        "serviceIds": [service_id],
        "startsAt": local_at(future_day(), "18:00"),
        "details": booking_details(),
        "allowBookingOutsideSchedules": True,
    }
    admin = await api.ok(CREATE_BOOKING, {"input": booking})
    assert admin["createBooking"]["__typename"] == "BookingSuccess", admin
    user = api.as_(issuer.issue(tenant=api.tenant))
    error = await user.error(CREATE_BOOKING, {"input": booking})
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_internal_services_are_hidden_from_customer_tokens(
    api: Api, issuer: TokenIssuer
) -> None:
    workshop_id = await workshop(api)
    internal = await service(api, workshop_id, onlineBookable=False)
    customer_api = api.as_(issuer.issue(tenant=api.tenant))
    listed = await customer_api.ok(SERVICES, {"workshopId": workshop_id})
    assert listed["services"] == []
    result = await customer_api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [internal],
                "startsAt": local_at(future_day(), "09:00"),
                "details": booking_details(),
            }
        },
    )
    assert result["createBooking"]["__typename"] == "ValidationError"


async def test_unknown_workshop_or_service_is_not_found(api: Api, other_api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    # another tenant's ids are unknown here
    result = await other_api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(), "09:00"),
            }
        },
    )
    assert result["reserveTimeslot"]["__typename"] == "NotFoundError"
    assert (await other_api.ok(SERVICES, {"workshopId": None}))["services"] == []


async def test_timeslot_range_is_limited(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    error = await api.error(
        TIMESLOTS,
        {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "from": future_day(1).isoformat(),
            "to": future_day(40).isoformat(),
        },
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_naive_start_times_are_refused(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    result = await api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": f"{future_day().isoformat()}T09:00:00",
            }
        },
    )
    assert result["reserveTimeslot"]["__typename"] == "ValidationError"


async def test_a_service_without_fixed_duration_takes_the_given_end(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, durationMinutes=60, fixedDuration=False)
    day = future_day()
    booking = {
        "workshopId": workshop_id,
        "serviceIds": [service_id],
        "startsAt": local_at(day, "09:00"),
        "details": booking_details(),
    }
    missing_end = await api.ok(CREATE_BOOKING, {"input": booking})
    assert missing_end["createBooking"]["fields"][0]["field"] == "end"
    too_short = await api.ok(
        CREATE_BOOKING, {"input": {**booking, "endsAt": local_at(day, "09:30")}}
    )
    assert too_short["createBooking"]["__typename"] == "ValidationError"
    result = await api.ok(CREATE_BOOKING, {"input": {**booking, "endsAt": local_at(day, "11:30")}})
    [booked] = result["createBooking"]["bookings"]
    assert datetime.fromisoformat(booked["endsAt"]) == datetime.fromisoformat(
        local_at(day, "11:30")
    )


async def test_parallel_services_start_together_on_their_own_resources(api: Api) -> None:
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift")
    await resource(api, workshop_id, "washer", "Wash bay")
    oil = await service(api, workshop_id, requiredResourceTypes=["lift"])
    wash = await service(
        api, workshop_id, durationMinutes=30, requiredResourceTypes=["washer"], combinableWith=[oil]
    )
    start = local_at(future_day(), "09:00")
    result = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [oil, wash],
                "startsAt": start,
                "placement": "PARALLEL",
                "details": booking_details(),
            }
        },
    )
    first, second = result["createBooking"]["bookings"]
    assert first["appointment"]["startsAt"] == second["appointment"]["startsAt"]


async def test_a_requested_resource_is_the_one_booked(api: Api) -> None:
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "technician", "Anna")
    bo = await resource(api, workshop_id, "technician", "Bo")
    service_id = await service(
        api,
        workshop_id,
        requiredResourceTypes=["technician"],
        resourceSelection=True,
        maxNumberOfReservations=2,
    )
    day = future_day()
    slots = await api.ok(
        TIMESLOTS,
        {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "from": day.isoformat(),
            "to": day.isoformat(),
            "resource": bo,
        },
    )
    assert slots["timeslots"]["days"][0]["startsAt"]
    result = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "requestedResourceId": bo,
                "startsAt": local_at(day, "09:00"),
                "details": booking_details(),
            }
        },
    )
    assert result["createBooking"]["bookings"][0]["resources"] == [{"id": bo, "type": "technician"}]
    again = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "requestedResourceId": bo,
                "startsAt": local_at(day, "09:00"),
                "details": booking_details(),
            }
        },
    )
    assert again["createBooking"]["reason"] == "RESOURCE_BUSY"


UPDATE_SERVICE = """
mutation($id: ID!, $input: ServiceInput!) {
  updateService(id: $id, input: $input) {
    __typename
    ... on ServiceSuccess { service { id name durationMinutes } }
    ... on NotFoundError { code }
    ... on ValidationError { fields { field } }
  }
}"""
CREATE_GROUP = """
mutation($input: CreateServiceGroupInput!) {
  createServiceGroup(input: $input) {
    __typename ... on ServiceGroupSuccess { serviceGroup { id name services { id } } }
    ... on ValidationError { fields { field } }
  }
}"""


async def test_services_are_updated_whole_and_grouped(api: Api) -> None:
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    definition = {
        "names": [{"language": "en", "text": "Big service"}],
        "durationMinutes": 180,
        "workshopIds": [workshop_id],
    }
    updated = await api.ok(UPDATE_SERVICE, {"id": service_id, "input": definition})
    assert updated["updateService"]["service"] == {
        "id": service_id,
        "name": "Big service",
        "durationMinutes": 180,
    }
    missing = await api.ok(UPDATE_SERVICE, {"id": "nope", "input": definition})
    assert missing["updateService"]["__typename"] == "NotFoundError"
    invalid = await api.ok(
        UPDATE_SERVICE,
        {
            "id": service_id,
            "input": {**definition, "durationMinutes": 0, "workshopIds": ["elsewhere"]},
        },
    )
    assert {f["field"] for f in invalid["updateService"]["fields"]} == {"durationMinutes"}

    group = await api.ok(
        CREATE_GROUP,
        {"input": {"names": [{"language": "en", "text": "Big"}], "serviceIds": [service_id]}},
    )
    assert group["createServiceGroup"]["serviceGroup"]["services"] == [{"id": service_id}]
    bad = await api.ok(
        CREATE_GROUP,
        {"input": {"names": [{"language": "en", "text": "Bad"}], "serviceIds": ["nope"]}},
    )
    assert bad["createServiceGroup"]["fields"] == [{"field": "serviceIds[0]"}]


async def test_opening_hours_off_the_five_minute_grid_are_refused(api: Api) -> None:
    # given a workshop
    workshop_id = await workshop(api)

    # when its hours open at 08:03 (capacity is counted in 5-minute cells)
    data = await api.ok(
        UPDATE_WORKSHOP,
        {
            "input": {
                "id": workshop_id,
                "openingHours": [{"weekday": 0, "intervals": [["08:03", "16:00"]]}],
            }
        },
    )

    # then the change is refused, naming the field
    result = data["updateWorkshop"]
    assert result["__typename"] == "ValidationError"
    assert [f["field"] for f in result["fields"]] == ["openingHours.0"]

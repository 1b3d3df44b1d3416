"""The Connected Cars import contract: addBooking / changeBooking / cancelBooking."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.queries import (
    ADD,
    BY_ID,
    BY_KEY,
    CANCEL,
    CHANGE,
    CREATE_WORKSHOP,
    SEED_ADD_BODY,
    SEED_CANCEL_BODY,
    SEED_CHANGE_BODY,
    SEED_USER_AGENT,
    UPDATE_SETTINGS,
    booking_input,
)
from tests.conftest import FIXED_NOW, Api

NEXT_WEEK = (FIXED_NOW + timedelta(days=7)).date().isoformat()
TWO_DAYS_AGO = (FIXED_NOW - timedelta(days=2)).date().isoformat()


async def by_key(api: Api, source: str = "user", booking_id: str = "12345") -> dict[str, Any]:
    data = await api.ok(BY_KEY, {"source": source, "bookingId": booking_id})
    booking: dict[str, Any] = data["bookingByExternalKey"]
    return booking


async def add_workshop(api: Api, dealer: str, zone: str = "Europe/Copenhagen") -> str:
    data = await api.ok(
        CREATE_WORKSHOP,
        {"input": {"name": f"Workshop {dealer}", "timeZone": zone, "dealerNumber": dealer}},
    )
    assert data["createWorkshop"]["__typename"] == "CreateWorkshopSuccess"
    workshop_id: str = data["createWorkshop"]["workshop"]["id"]
    return workshop_id


async def test_seed_add_change_cancel_bodies_succeed_byte_for_byte(api: Api) -> None:
    # given a workshop with the seed's dealer number
    workshop_id = await add_workshop(api, "DEU12345N")

    # when the three documented request bodies are sent unchanged
    responses = []
    for body in (SEED_ADD_BODY, SEED_CHANGE_BODY, SEED_CANCEL_BODY):
        responses.append(await api.post_raw(body, **{"user-agent": SEED_USER_AGENT}))

    # then each succeeds and the booking went through all three states
    for response in responses:
        assert response.status_code == 200
        assert "errors" not in response.json(), response.json()
    ids = {next(iter(r.json()["data"].values())) for r in responses}
    assert len(ids) == 1
    booking = await by_key(api)
    assert booking["status"] == "CANCELLED"
    assert booking["reason"] == {"key": "maintenance", "text": "Maintenance Update"}
    assert booking["workshop"]["id"] == workshop_id
    assert booking["appointment"] == {
        "precision": "DATE",
        "date": "2022-01-12",
        "startsAt": None,
        "localStartsAt": None,
        "timeZone": "Europe/Copenhagen",
    }
    assert [e["action"] for e in booking["history"]] == ["ADDED", "CHANGED", "CANCELLED"]
    assert {e["actor"]["userAgent"] for e in booking["history"]} == {SEED_USER_AGENT}
    assert {e["actor"]["subject"] for e in booking["history"]} == {"tester"}


async def test_seed_documents_work_with_inline_values_and_query_only(api: Api) -> None:
    # given the seed's mutation with values written inline, sent as {"query": ...} only
    document = """mutation {
      addBooking(input: {appointmentDate: "2022-01-12", bookingDealer: "DEU12345N",
        bookingId: "inline-1", bookingSource: "user", vin: "WV1ZZZ1JZXW000001",
        reasonKey: "service", reasonText: "Service", fleetId: 123, workshopId: "789"})
    }"""

    # when it is posted
    response = await api.post_raw(json.dumps({"query": document}).encode())

    # then it succeeds and the optional ID inputs are kept as sent
    assert "errors" not in response.json(), response.json()
    booking = await by_key(api, booking_id="inline-1")
    assert booking["fleetId"] == "123"
    assert booking["externalWorkshopId"] == "789"
    assert booking["workshop"] is None


@pytest.mark.parametrize(
    ("sent", "utc", "local"),
    [
        ("2022-08-23T13:30:00.000Z", "2022-08-23T13:30:00+00:00", "2022-08-23T15:30:00+02:00"),
        ("2022-08-23T15:30:00+02:00", "2022-08-23T13:30:00+00:00", "2022-08-23T15:30:00+02:00"),
        (
            "2022-12-31T23:30:00.123456789Z",
            "2022-12-31T23:30:00.123456+00:00",
            "2023-01-01T00:30:00.123456+01:00",
        ),
    ],
)
async def test_rfc3339_appointments_keep_the_instant_and_local_time(
    api: Api, sent: str, utc: str, local: str
) -> None:
    # given a workshop in Copenhagen
    await add_workshop(api, "DEU12345N")

    # when a booking arrives with an RFC 3339 appointment
    await api.ok(ADD, {"input": booking_input(appointmentDate=sent)})

    # then UTC and workshop-local values agree, and the local date is the workshop's
    appointment = (await by_key(api))["appointment"]
    assert appointment["precision"] == "DATETIME"
    assert appointment["startsAt"] == utc
    assert appointment["localStartsAt"] == local
    assert appointment["date"] == local[:10]


async def test_repeating_an_add_with_the_same_data_changes_nothing(api: Api) -> None:
    # given an added booking
    first = await api.ok(ADD, {"input": booking_input()})
    before = await by_key(api)

    # when the same add is retried
    second = await api.ok(ADD, {"input": booking_input()})

    # then the same booking is answered and nothing was written
    assert second["addBooking"] == first["addBooking"]
    after = await by_key(api)
    assert after == before
    assert len(after["history"]) == 1


async def test_add_with_the_same_key_and_other_data_is_booking_already_exists(api: Api) -> None:
    # given an added booking
    await api.ok(ADD, {"input": booking_input()})

    # when the same key arrives with another appointment
    error = await api.error(ADD, {"input": booking_input(appointmentDate="2022-02-01")})

    # then it is refused and the booking is unchanged
    assert error["extensions"]["code"] == "BOOKING_ALREADY_EXISTS"
    assert (await by_key(api))["appointment"]["date"] == "2022-01-12"


async def test_same_booking_id_from_two_sources_are_two_bookings(api: Api) -> None:
    # when one bookingId arrives from two sources
    a = await api.ok(ADD, {"input": booking_input(bookingSource="user")})
    b = await api.ok(ADD, {"input": booking_input(bookingSource="dms")})

    # then there are two bookings, and cancelling by id alone is ambiguous
    assert a["addBooking"] != b["addBooking"]
    error = await api.error(CANCEL, {"input": {"bookingId": "12345"}})
    assert error["extensions"]["code"] == "AMBIGUOUS_BOOKING_ID"
    assert sorted(error["extensions"]["bookingSources"]) == ["dms", "user"]

    # and naming the source picks one
    await api.ok(CANCEL, {"input": {"bookingId": "12345", "bookingSource": "dms"}})
    assert (await by_key(api, "dms"))["status"] == "CANCELLED"
    assert (await by_key(api, "user"))["status"] == "CONFIRMED"


async def test_change_of_an_unknown_booking_is_not_found(api: Api) -> None:
    error = await api.error(CHANGE, {"input": booking_input(bookingId="nope")})
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_change_of_a_cancelled_booking_is_booking_cancelled(api: Api) -> None:
    # given a cancelled booking
    await api.ok(ADD, {"input": booking_input()})
    await api.ok(CANCEL, {"input": {"bookingId": "12345"}})

    # when it is changed
    error = await api.error(CHANGE, {"input": booking_input(reasonKey="other")})

    # then the change is refused
    assert error["extensions"]["code"] == "BOOKING_CANCELLED"
    assert (await by_key(api))["reason"]["key"] == "service"


async def test_add_of_a_cancelled_key_is_booking_cancelled(api: Api) -> None:
    await api.ok(ADD, {"input": booking_input()})
    await api.ok(CANCEL, {"input": {"bookingId": "12345"}})
    error = await api.error(ADD, {"input": booking_input()})
    assert error["extensions"]["code"] == "BOOKING_CANCELLED"


async def test_cancel_twice_succeeds_twice_and_cancels_once(api: Api) -> None:
    # given a booking
    await api.ok(ADD, {"input": booking_input()})

    # when it is cancelled twice
    first = await api.ok(CANCEL, {"input": {"bookingId": "12345"}})
    second = await api.ok(CANCEL, {"input": {"bookingId": "12345"}})

    # then both succeed and there is one cancel event
    assert first == second
    booking = await by_key(api)
    assert [e["action"] for e in booking["history"]] == ["ADDED", "CANCELLED"]
    assert booking["revision"] == 2


async def test_cancel_of_an_unknown_booking_is_not_found(api: Api) -> None:
    error = await api.error(CANCEL, {"input": {"bookingId": "missing"}})
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_change_leaves_out_optional_fields_unchanged_and_null_clears(api: Api) -> None:
    # given a booking with a fleet id and reason
    await api.ok(ADD, {"input": booking_input(fleetId="77")})

    # when a change leaves fleetId out and sets reasonText to null
    change = booking_input(appointmentDate="2022-03-01T08:00:00Z", reasonText=None)
    await api.ok(CHANGE, {"input": change})

    # then fleetId is kept, reasonText cleared, and the history records exactly that
    booking = await by_key(api)
    assert booking["fleetId"] == "77"
    assert booking["reason"] == {"key": "service", "text": None}
    assert booking["revision"] == 2
    changed = {c["field"] for c in booking["history"][-1]["changes"]}
    assert changed == {
        "appointmentDate",
        "appointmentPrecision",
        "appointmentStartsAt",
        "reasonText",
    }


async def test_identical_change_writes_no_event(api: Api) -> None:
    await api.ok(ADD, {"input": booking_input()})
    await api.ok(CHANGE, {"input": booking_input()})
    booking = await by_key(api)
    assert booking["revision"] == 1
    assert len(booking["history"]) == 1


async def test_booking_created_at_defaults_to_now_and_keeps_a_given_value(api: Api) -> None:
    await api.ok(ADD, {"input": booking_input(bookingId="a")})
    await api.ok(
        ADD, {"input": booking_input(bookingId="b", bookingCreatedAt="2022-08-20T13:37:00.000Z")}
    )
    a, b = await by_key(api, booking_id="a"), await by_key(api, booking_id="b")
    created = datetime.fromisoformat(a["bookingCreatedAt"])
    assert FIXED_NOW <= created < FIXED_NOW + timedelta(seconds=1)  # the app's clock
    assert b["bookingCreatedAt"] == "2022-08-20T13:37:00+00:00"


async def test_unknown_booking_source_is_refused_and_writes_nothing(api: Api) -> None:
    error = await api.error(ADD, {"input": booking_input(bookingSource="fax")})
    assert error["extensions"]["code"] == "BOOKING_SOURCE_NOT_ALLOWED"
    assert "user" in error["extensions"]["allowedSources"]
    assert (await api.ok(BY_KEY, {"source": "fax", "bookingId": "12345"}))[
        "bookingByExternalKey"
    ] is None


async def test_tenant_can_allow_its_own_sources(api: Api) -> None:
    # given a tenant that allows only "acme-dms"
    data = await api.ok(UPDATE_SETTINGS, {"input": {"allowedBookingSources": ["acme-dms"]}})
    assert data["updateTenantSettings"]["settings"]["allowedBookingSources"] == ["acme-dms"]

    # then that source works and the default "user" does not
    await api.ok(ADD, {"input": booking_input(bookingSource="acme-dms")})
    error = await api.error(ADD, {"input": booking_input()})
    assert error["extensions"]["code"] == "BOOKING_SOURCE_NOT_ALLOWED"


async def test_one_active_booking_per_vehicle_policy(api: Api) -> None:
    # given the policy is on and the vehicle has an active booking next week
    await api.ok(UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": True}})
    await api.ok(ADD, {"input": booking_input(bookingId="first", appointmentDate=NEXT_WEEK)})

    # when another booking for the same vehicle arrives
    error = await api.error(ADD, {"input": booking_input(bookingId="second")})

    # then it is refused, naming the active booking
    assert error["extensions"]["code"] == "ACTIVE_BOOKING_EXISTS"
    assert error["extensions"]["bookingId"] == "first"

    # and once the first is cancelled the second is accepted; retrying the first's add is fine
    await api.ok(CANCEL, {"input": {"bookingId": "first"}})
    await api.ok(ADD, {"input": booking_input(bookingId="second")})
    await api.ok(ADD, {"input": booking_input(bookingId="second")})


async def test_a_past_booking_never_blocks_the_vehicles_next_one(api: Api) -> None:
    # given the policy is on and the vehicle's only booking was two days ago, never completed
    await api.ok(UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": True}})
    await api.ok(ADD, {"input": booking_input(bookingId="old", appointmentDate=TWO_DAYS_AGO)})

    # when a new booking for the vehicle arrives
    added = await api.ok(ADD, {"input": booking_input(bookingId="new")})

    # then it is accepted
    assert added["addBooking"]


async def test_policy_is_off_by_default(api: Api) -> None:
    await api.ok(ADD, {"input": booking_input(bookingId="first")})
    await api.ok(ADD, {"input": booking_input(bookingId="second")})


async def test_dealer_number_links_the_workshop_and_its_time_zone(api: Api) -> None:
    # given two workshops in different zones
    await add_workshop(api, "DEU12345N", "Europe/Copenhagen")
    ny = await add_workshop(api, "USA00001N", "America/New_York")

    # when a booking names the New York dealer
    await api.ok(
        ADD,
        {"input": booking_input(bookingDealer="USA00001N", appointmentDate="2022-08-23T02:30:00Z")},
    )

    # then it is linked there, and local values are New York's (the previous day)
    booking = await by_key(api)
    assert booking["workshop"]["id"] == ny
    assert booking["appointment"]["localStartsAt"] == "2022-08-22T22:30:00-04:00"
    assert booking["appointment"]["date"] == "2022-08-22"


async def test_unknown_dealer_number_keeps_the_booking_unlinked(api: Api) -> None:
    await api.ok(ADD, {"input": booking_input(bookingDealer="UNKNOWN1")})
    booking = await by_key(api)
    assert booking["workshop"] is None
    assert booking["dealerNumber"] == "UNKNOWN1"
    assert booking["appointment"]["timeZone"] == "UTC"


async def test_read_by_gateway_id_matches_read_by_key(api: Api) -> None:
    added = await api.ok(ADD, {"input": booking_input()})
    by_id = (await api.ok(BY_ID, {"id": added["addBooking"]}))["booking"]
    assert by_id == await by_key(api)
    assert by_id["externalKey"] == {"source": "user", "bookingId": "12345"}
    event = by_id["history"][0]
    assert event["before"] is None
    assert event["after"]["vin"] == "WV1ZZZ1JZXW000001"
    assert event["requestId"]


async def test_client_request_id_is_recorded_in_the_audit_event(api: Api) -> None:
    await api.post(ADD, {"input": booking_input()}, **{"x-request-id": "dms-req-42"})
    booking = await by_key(api)
    assert booking["history"][0]["requestId"] == "dms-req-42"


async def test_fifty_concurrent_identical_adds_leave_one_booking(api: Api) -> None:
    # when fifty identical pushes race
    responses = await asyncio.gather(
        *(api.post(ADD, {"input": booking_input(bookingId="race")}) for _ in range(50))
    )

    # then all succeed with the same booking, which has one ADDED event
    bodies = [r.json() for r in responses]
    assert all("errors" not in b for b in bodies), [b for b in bodies if "errors" in b][:2]
    assert len({b["data"]["addBooking"] for b in bodies}) == 1
    booking = await by_key(api, booking_id="race")
    assert [e["action"] for e in booking["history"]] == ["ADDED"]


async def test_fifty_concurrent_cancels_write_one_event(api: Api) -> None:
    await api.ok(ADD, {"input": booking_input(bookingId="race")})
    responses = await asyncio.gather(
        *(api.post(CANCEL, {"input": {"bookingId": "race"}}) for _ in range(50))
    )
    assert all("errors" not in r.json() for r in responses)
    booking = await by_key(api, booking_id="race")
    assert [e["action"] for e in booking["history"]] == ["ADDED", "CANCELLED"]


async def test_concurrent_adds_for_one_vehicle_under_the_policy_admit_one(api: Api) -> None:
    # given the one-active-booking-per-vehicle policy
    await api.ok(UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": True}})

    # when twenty different bookings for one vehicle race
    responses = await asyncio.gather(
        *(
            api.post(ADD, {"input": booking_input(bookingId=f"v-{i}", appointmentDate=NEXT_WEEK)})
            for i in range(20)
        )
    )

    # then exactly one is accepted and the rest are ACTIVE_BOOKING_EXISTS
    bodies = [r.json() for r in responses]
    winners = [b for b in bodies if "errors" not in b]
    codes = {b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b}
    assert len(winners) == 1
    assert codes == {"ACTIVE_BOOKING_EXISTS"}


async def test_concurrent_changes_of_one_booking_all_land_in_order(api: Api) -> None:
    # given a booking
    await api.ok(ADD, {"input": booking_input(bookingId="busy")})

    # when eight different changes race (each optimistic write that loses queues behind the
    # winner under a row lock instead of failing)
    responses = await asyncio.gather(
        *(
            api.post(CHANGE, {"input": booking_input(bookingId="busy", reasonText=f"r{i}")})
            for i in range(8)
        )
    )

    # then every change succeeded and each wrote one event
    bodies = [r.json() for r in responses]
    assert all("errors" not in b for b in bodies), [b for b in bodies if "errors" in b][:2]
    booking = await by_key(api, booking_id="busy")
    assert booking["revision"] == 9
    assert [e["action"] for e in booking["history"]] == ["ADDED"] + ["CHANGED"] * 8


async def test_concurrent_identical_adds_under_the_vehicle_policy_are_retries(api: Api) -> None:
    # given the one-active-booking-per-vehicle policy
    await api.ok(UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": True}})

    # when six identical pushes race
    responses = await asyncio.gather(
        *(api.post(ADD, {"input": booking_input(bookingId="same")}) for _ in range(6))
    )

    # then all succeed with one booking: a retry is never "the vehicle's other booking"
    bodies = [r.json() for r in responses]
    assert all("errors" not in b for b in bodies), [b for b in bodies if "errors" in b][:2]
    assert len({b["data"]["addBooking"] for b in bodies}) == 1
    booking = await by_key(api, booking_id="same")
    assert [e["action"] for e in booking["history"]] == ["ADDED"]


async def test_racing_changes_across_vehicles_under_the_policy_never_fail_internally(
    api: Api,
) -> None:
    # given the vehicle policy and one booking
    await api.ok(UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": True}})
    await api.ok(ADD, {"input": booking_input(bookingId="moving")})
    vins = ["WV1ZZZ1JZXW000001", "WVWZZZAUZKW123456", "WAUZZZ8V5KA000001"]

    # when changes moving it between vehicles race with adds of other bookings
    responses = await asyncio.gather(
        *(
            api.post(CHANGE, {"input": booking_input(bookingId="moving", vin=vins[i % 3])})
            for i in range(12)
        ),
        *(
            api.post(ADD, {"input": booking_input(bookingId=f"other-{i}", vin=vins[i % 3])})
            for i in range(6)
        ),
    )

    # then every answer is a booking or a coded refusal of the policy, never a lock failure
    codes = {e["extensions"]["code"] for r in responses for e in r.json().get("errors", [])}
    assert codes <= {"ACTIVE_BOOKING_EXISTS"}, codes

"""Two tenants share the gateway; nothing of one reaches the other."""

from __future__ import annotations

from tests.api.queries import (
    ADD,
    BY_ID,
    BY_KEY,
    CANCEL,
    CHANGE,
    CREATE_WORKSHOP,
    UPDATE_SETTINGS,
    booking_input,
)
from tests.conftest import Api


async def test_no_read_or_write_of_one_tenant_reaches_the_other(api: Api, other_api: Api) -> None:
    # given tenant A with a workshop, settings and a booking
    await api.ok(
        CREATE_WORKSHOP, {"input": {"name": "A", "timeZone": "UTC", "dealerNumber": "DEU12345N"}}
    )
    await api.ok(UPDATE_SETTINGS, {"input": {"allowedBookingSources": ["user", "a-only"]}})
    added = await api.ok(ADD, {"input": booking_input()})
    booking_id = added["addBooking"]

    # when tenant B reads by id and by key, lists workshops and settings
    assert (await other_api.ok(BY_ID, {"id": booking_id}))["booking"] is None
    assert (await other_api.ok(BY_KEY, {"source": "user", "bookingId": "12345"}))[
        "bookingByExternalKey"
    ] is None
    assert (await other_api.ok("{ workshops { id } }"))["workshops"] == []
    settings = await other_api.ok("{ tenantSettings { allowedBookingSources } }")
    assert "a-only" not in settings["tenantSettings"]["allowedBookingSources"]

    # and tries to change and cancel A's booking
    change = await other_api.error(CHANGE, {"input": booking_input(reasonKey="hijack")})
    cancel = await other_api.error(CANCEL, {"input": {"bookingId": "12345"}})

    # then B sees nothing and changes nothing, answered as "does not exist"
    assert change["extensions"]["code"] == "NOT_FOUND"
    assert cancel["extensions"]["code"] == "NOT_FOUND"
    mine = (await api.ok(BY_ID, {"id": booking_id}))["booking"]
    assert mine["status"] == "CONFIRMED"
    assert mine["reason"]["key"] == "service"
    assert len(mine["history"]) == 1

    # and B's own booking with the same key is a separate booking, not linked to A's workshop
    theirs = await other_api.ok(ADD, {"input": booking_input()})
    assert theirs["addBooking"] != booking_id
    found = await other_api.ok(BY_KEY, {"source": "user", "bookingId": "12345"})
    assert found["bookingByExternalKey"]["workshop"] is None

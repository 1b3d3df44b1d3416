"""The dealer import caches the tenant's configuration (policies, workshops) per process; a
change made anywhere, by this process or another replica, is seen by the next push: the insert
applies only while the configuration revision it was built from is current."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from booking_gateway.db.engine import Db
from tests.api.queries import ADD, BY_KEY, CREATE_WORKSHOP, UPDATE_SETTINGS, booking_input
from tests.conftest import FIXED_NOW, Api


async def _workshop(api: Api, dealer: str) -> str:
    created = await api.ok(
        CREATE_WORKSHOP,
        {"input": {"name": dealer, "timeZone": "Europe/Berlin", "dealerNumber": dealer}},
    )
    assert created["createWorkshop"]["__typename"] == "CreateWorkshopSuccess"
    workshop_id: str = created["createWorkshop"]["workshop"]["id"]
    return workshop_id


async def _add(api: Api, **overrides: Any) -> dict[str, Any]:
    return await api.ok(ADD, {"input": booking_input(**overrides)})


async def test_a_settings_change_reaches_the_next_push_through_the_cache(api: Api) -> None:
    # given a process that has cached the tenant's configuration
    await _workshop(api, "DEU12345N")
    await _add(api, bookingId="warm-up")

    # when the tenant stops allowing the source
    changed = await api.ok(UPDATE_SETTINGS, {"input": {"allowedBookingSources": ["dms"]}})
    assert changed["updateTenantSettings"]["__typename"] == "UpdateTenantSettingsSuccess"

    # then the next push of that source is refused
    error = await api.error(ADD, {"input": booking_input(bookingId="after-change")})
    assert error["extensions"]["code"] == "BOOKING_SOURCE_NOT_ALLOWED"


async def test_a_change_made_behind_the_process_back_is_still_seen(api: Api, db: Db) -> None:
    # given a cached configuration, and a dealer number moved by another replica's write
    # (here: straight in the database, so this process's cache knows nothing of it)
    first = await _workshop(api, "DEU12345N")
    second = await _workshop(api, "DEU99999N")
    await _add(api, bookingId="warm-up")
    move = "UPDATE workshops SET dealer_number = {} WHERE tenant_id = {} AND id = {}"
    bump = "UPDATE tenants SET config_revision = config_revision + 1 WHERE id = {}"
    mark = "$" if db.dialect == "postgresql" else "?"
    async with db.transaction():
        await db.execute(
            move.format(f"{mark}1", f"{mark}2", f"{mark}3"), ["OLD-1", api.tenant, first]
        )
        await db.execute(
            move.format(f"{mark}1", f"{mark}2", f"{mark}3"), ["DEU12345N", api.tenant, second]
        )
        await db.execute(bump.format(f"{mark}1"), [api.tenant])

    # when the dealer pushes again
    await _add(api, bookingId="after-move")

    # then the booking is linked to the workshop that has the number now
    booking = await api.ok(BY_KEY, {"source": "user", "bookingId": "after-move"})
    assert booking["bookingByExternalKey"]["workshop"]["id"] == second


async def test_a_new_workshop_is_linked_by_the_next_push(api: Api) -> None:
    # given a push of an unknown dealer number, cached as unknown
    await _add(api, bookingId="unlinked", bookingDealer="DEU55555N")

    # when the workshop with that number is created
    workshop_id = await _workshop(api, "DEU55555N")

    # then the next push links it
    await _add(api, bookingId="linked", bookingDealer="DEU55555N")
    booking = await api.ok(BY_KEY, {"source": "user", "bookingId": "linked"})
    assert booking["bookingByExternalKey"]["workshop"]["id"] == workshop_id


async def test_a_push_refused_on_old_settings_is_accepted_once_they_allow_it(api: Api) -> None:
    # given a process that cached a configuration refusing the source "dms"
    await _workshop(api, "DEU12345N")
    await api.ok(UPDATE_SETTINGS, {"input": {"allowedBookingSources": ["user"]}})
    await _add(api, bookingId="warm-up")
    error = await api.error(ADD, {"input": booking_input(bookingId="d-1", bookingSource="dms")})
    assert error["extensions"]["code"] == "BOOKING_SOURCE_NOT_ALLOWED"

    # when the tenant allows it
    await api.ok(UPDATE_SETTINGS, {"input": {"allowedBookingSources": ["user", "dms"]}})

    # then the next push is accepted: a refusal is never made on a cached configuration
    await _add(api, bookingId="d-1", bookingSource="dms")


async def test_a_vehicle_freed_by_turning_the_policy_off_is_bookable_again(api: Api) -> None:
    # given the one-active-booking policy refused a second booking of a vehicle
    await _workshop(api, "DEU12345N")
    await api.ok(UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": True}})
    next_week = (FIXED_NOW + timedelta(days=7)).date().isoformat()
    await _add(api, bookingId="first", appointmentDate=next_week)
    error = await api.error(ADD, {"input": booking_input(bookingId="second")})
    assert error["extensions"]["code"] == "ACTIVE_BOOKING_EXISTS"

    # when the policy is turned off
    await api.ok(UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": False}})

    # then the second booking is accepted
    await _add(api, bookingId="second")

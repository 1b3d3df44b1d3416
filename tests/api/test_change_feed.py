"""The change feed over GraphQL: a client resumes from its last cursor and misses nothing."""

from __future__ import annotations

import base64

import pytest

from booking_gateway.auth import TokenIssuer
from tests.api.queries import ADD, CANCEL, CHANGE, CREATE_WORKSHOP, booking_input
from tests.conftest import Api

FEED = """
query Feed($after: String, $first: Int) {
  changeFeed(after: $after, first: $first) {
    events { cursor bookingId event { id action } }
    endCursor
    hasMore
  }
}
"""


async def test_the_feed_returns_every_write_in_order_and_resumes_after_a_cursor(
    api: Api,
) -> None:
    # given a booking that was added, changed and cancelled
    booking_id = (await api.ok(ADD, {"input": booking_input()}))["addBooking"]
    await api.ok(CHANGE, {"input": booking_input(reasonKey="maintenance")})
    await api.ok(CANCEL, {"input": {"bookingId": "12345"}})

    # when a client reads two events, then the rest after the end cursor
    first = (await api.ok(FEED, {"first": 2}))["changeFeed"]
    rest = (await api.ok(FEED, {"after": first["endCursor"], "first": 2}))["changeFeed"]

    # then it got the three writes once each, in order, and knows when it has caught up
    events = first["events"] + rest["events"]
    assert [e["event"]["action"] for e in events] == ["ADDED", "CHANGED", "CANCELLED"]
    assert {e["bookingId"] for e in events} == {booking_id}
    assert len({e["event"]["id"] for e in events}) == 3
    assert first["hasMore"] is True
    assert first["endCursor"] == first["events"][-1]["cursor"]
    assert rest["hasMore"] is False
    assert rest["endCursor"] == rest["events"][-1]["cursor"]


async def test_a_caught_up_client_keeps_its_cursor_and_gets_new_events_later(api: Api) -> None:
    # given a client that has read the whole feed
    await api.ok(ADD, {"input": booking_input()})
    caught_up = (await api.ok(FEED, {}))["changeFeed"]

    # when it polls with its cursor, then a write happens and it polls again
    empty = (await api.ok(FEED, {"after": caught_up["endCursor"]}))["changeFeed"]
    await api.ok(CANCEL, {"input": {"bookingId": "12345"}})
    later = (await api.ok(FEED, {"after": empty["endCursor"]}))["changeFeed"]

    # then the empty page hands back the same cursor and the next one holds just the new write
    assert empty == {"events": [], "endCursor": caught_up["endCursor"], "hasMore": False}
    assert [e["event"]["action"] for e in later["events"]] == ["CANCELLED"]


async def test_an_empty_feed_read_from_the_beginning_has_no_cursor(api: Api) -> None:
    # when a tenant without writes reads its feed
    data = await api.ok(FEED, {})

    # then there is nothing, and no cursor yet
    assert data["changeFeed"] == {"events": [], "endCursor": None, "hasMore": False}


async def test_the_feed_shows_nothing_of_another_tenant(api: Api, other_api: Api) -> None:
    # given a booking of tenant A
    await api.ok(ADD, {"input": booking_input()})

    # when tenant B reads its feed
    data = await other_api.ok(FEED, {})

    # then it is empty
    assert data["changeFeed"]["events"] == []


async def test_a_workshop_token_sees_only_its_workshops_events(
    api: Api, issuer: TokenIssuer
) -> None:
    # given two workshops with one booking each
    ids = []
    for dealer in ("D1", "D2"):
        data = await api.ok(
            CREATE_WORKSHOP, {"input": {"name": dealer, "timeZone": "UTC", "dealerNumber": dealer}}
        )
        ids.append(data["createWorkshop"]["workshop"]["id"])
    own = (await api.ok(ADD, {"input": booking_input(bookingId="own", bookingDealer="D1")}))[
        "addBooking"
    ]
    await api.ok(ADD, {"input": booking_input(bookingId="theirs", bookingDealer="D2")})
    scoped = api.as_(issuer.issue(tenant=api.tenant, workshop=ids[0]))

    # when the workshop's token and the tenant's read the feed
    mine = (await scoped.ok(FEED, {}))["changeFeed"]["events"]
    everything = (await api.ok(FEED, {}))["changeFeed"]["events"]

    # then the workshop sees its own booking's events only
    assert [e["bookingId"] for e in mine] == [own]
    assert len(everything) == 2


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        pytest.param("", id="empty"),
        pytest.param("not a cursor", id="not-base64"),
        pytest.param(_cursor("1:x"), id="not-a-number"),
        pytest.param(_cursor("-1:5"), id="negative"),
        pytest.param(_cursor(f"0:{2**63}"), id="beyond-bigint"),
        pytest.param(_cursor("0:5") + "==", id="padded"),
        pytest.param("A" * 65, id="too-long"),
    ],
)
async def test_a_malformed_cursor_is_bad_user_input(api: Api, after: str) -> None:
    # when the feed is read after something that is not a cursor
    error = await api.error(FEED, {"after": after})

    # then the request is refused, naming the argument
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [f["field"] for f in error["extensions"]["fields"]] == ["after"]


@pytest.mark.parametrize("first", [0, -1, 1001])
async def test_a_page_size_outside_1_to_1000_is_bad_user_input(api: Api, first: int) -> None:
    # when the feed is read with a page size out of range
    error = await api.error(FEED, {"first": first})

    # then the request is refused, naming the argument
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [f["field"] for f in error["extensions"]["fields"]] == ["first"]


async def test_reading_the_feed_needs_the_read_scope(api: Api, issuer: TokenIssuer) -> None:
    # given a token that may write but not read
    writer = api.as_(issuer.issue(tenant=api.tenant, scope="bookings:write"))

    # when it reads the feed
    error = await writer.error(FEED, {})

    # then it is forbidden
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["requiredScope"] == "bookings:read"

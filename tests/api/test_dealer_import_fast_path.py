"""The compiled path of the dealer import answers exactly as the full GraphQL executor does:
each case runs for one tenant through the executor (no plans) and for another through the
compiled plan, and the two answers are compared byte for byte (gateway booking ids aside)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from starlette.applications import Starlette

from booking_gateway.graphql.view import GraphQLEndpoint
from tests.api.queries import CREATE_WORKSHOP, SEED_ADD_BODY, SEED_CANCEL_BODY, SEED_CHANGE_BODY
from tests.conftest import Api

SEED_ADD = json.loads(SEED_ADD_BODY)
SEED_CHANGE = json.loads(SEED_CHANGE_BODY)
SEED_CANCEL = json.loads(SEED_CANCEL_BODY)
BY_INPUT = "mutation Add($input: AddBookingInput!) { addBooking(input: $input) }"
CHANGE_NULLABLE = """mutation Change($source: String!, $id: String!, $dealer: String!,
  $vin: String!, $date: String!, $reasonKey: String, $fleet: ID) {
  changeBooking(input: {bookingSource: $source, bookingId: $id, bookingDealer: $dealer,
    vin: $vin, appointmentDate: $date, reasonKey: $reasonKey, fleetId: $fleet})
}"""
ALIASED_LITERALS = """mutation { pushed: addBooking(input: {bookingSource: "user",
  bookingId: "lit-1", bookingDealer: "DEU12345N", vin: "WV1ZZZ1JZXW000001",
  appointmentDate: "2022-01-12", reasonText: null}) }"""


def _with(body: dict[str, Any], **variables: Any) -> dict[str, Any]:
    return {**body, "variables": {**body["variables"], **variables}}


def _change(**variables: Any) -> dict[str, Any]:
    base = {
        "source": "user",
        "id": "12345",
        "dealer": "DEU12345N",
        "vin": "WV1ZZZ1JZXW000001",
        "date": "2022-01-13",
    }
    return {"query": CHANGE_NULLABLE, "variables": {**base, **variables}}


SEED_INPUT = {
    k: v for k, v in SEED_ADD["variables"].items() if k not in ("reasonKey", "reasonText")
}
CASES: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "new add": ([], SEED_ADD),
    "retried add": ([SEED_ADD], SEED_ADD),
    "add with other data": ([SEED_ADD], _with(SEED_ADD, reasonText="Tyres")),
    "add with a bad VIN and date": ([], _with(SEED_ADD, vin="bad", appointmentDate="soon")),
    "add of a source not allowed": ([], _with(SEED_ADD, bookingSource="fax")),
    "add with a number for a String!": ([], _with(SEED_ADD, vin=12345)),
    "add with a required variable missing": (
        [],
        {**SEED_ADD, "variables": {k: v for k, v in SEED_ADD["variables"].items() if k != "vin"}},
    ),
    "add with null for a String!": ([], _with(SEED_ADD, vin=None)),
    "add by one input variable": ([], {"query": BY_INPUT, "variables": {"input": SEED_INPUT}}),
    "add by input variable with an unknown field": (
        [],
        {"query": BY_INPUT, "variables": {"input": {**SEED_INPUT, "colour": "red"}}},
    ),
    "add by input variable with a null for a required field": (
        [],
        {"query": BY_INPUT, "variables": {"input": {**SEED_INPUT, "vin": None}}},
    ),
    "aliased add of literals": ([], {"query": ALIASED_LITERALS}),
    "add under another operation name": ([], {**SEED_ADD, "operationName": "Other"}),
    "change": ([SEED_ADD], SEED_CHANGE),
    "change of an unknown booking": ([], SEED_CHANGE),
    "change keeping an omitted field": ([SEED_ADD], _change()),
    "change clearing a field with null": ([SEED_ADD], _change(reasonKey=None, fleet=None)),
    "change setting an ID field": ([SEED_ADD], _change(fleet="F-9")),
    "change with a number for an ID": ([SEED_ADD], _change(fleet=7)),
    "cancel": ([SEED_ADD], SEED_CANCEL),
    "repeated cancel": ([SEED_ADD, SEED_CANCEL], SEED_CANCEL),
    "cancel of an unknown booking": ([], SEED_CANCEL),
    "change after cancel": ([SEED_ADD, SEED_CANCEL], SEED_CHANGE),
    # hostile strings: refused by validation the same way on both paths, nothing stored
    "add with a NUL in the bookingId": ([], _with(SEED_ADD, bookingId="12\u00003")),
    "add with a lone surrogate in the VIN": ([], _with(SEED_ADD, vin="WV1ZZZ1JZXW00000\ud800")),
    "add with a lone surrogate in the dealer": ([], _with(SEED_ADD, bookingDealer="\udfff")),
    "change with a NUL in the reason": ([SEED_ADD], _change(reasonKey="a\u0000b")),
    "cancel with a lone surrogate id": ([SEED_ADD], _with(SEED_CANCEL, bookingId="\ud800")),
}

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def _send(api: Api, body: dict[str, Any]) -> tuple[int, str]:
    response = await api.post_raw(json.dumps(body).encode())
    return response.status_code, _UUID.sub("<id>", response.text)


async def _dealer(api: Api) -> None:
    created = await api.ok(
        CREATE_WORKSHOP,
        {"input": {"name": "Dealer", "timeZone": "Europe/Berlin", "dealerNumber": "DEU12345N"}},
    )
    assert created["createWorkshop"]["__typename"] == "CreateWorkshopSuccess"


@pytest.mark.parametrize("case", sorted(CASES))
async def test_the_compiled_path_answers_as_the_executor_does(
    app: Starlette, api: Api, other_api: Api, case: str
) -> None:
    # given the same catalog and history for two tenants
    setup, request = CASES[case]
    endpoint: GraphQLEndpoint = app.state.graphql
    for tenant in (api, other_api):
        await _dealer(tenant)
        for earlier in setup:
            status, _ = await _send(tenant, earlier)
            assert status == 200

    # when one tenant's request runs through the executor, the other's through the plan
    endpoint.import_path.forget()
    executed = await _send(api, request)
    compiled_plan = endpoint.import_path.plan(request["query"], request.get("operationName"))
    compiled = await _send(other_api, request)

    # then both answers are the same
    assert compiled == executed
    assert (compiled_plan is not None) == _planned(case), (case, compiled_plan)


def _planned(case: str) -> bool:
    """Documents the executor refused before running get no plan; the rest do."""
    return case not in {
        "add with a number for a String!",
        "add with a required variable missing",
        "add with null for a String!",
        "add by input variable with an unknown field",
        "add by input variable with a null for a required field",
        "add under another operation name",
    }


@pytest.mark.parametrize(
    "variables",
    [
        {"bookingId": "12\u00003"},
        {"vin": "WV1ZZZ1JZXW00000\ud800"},
        {"bookingDealer": "\udfff"},
        {"reasonText": "Service\u0000"},
    ],
)
async def test_hostile_strings_on_the_compiled_path_are_coded_refusals(
    api: Api, variables: dict[str, str]
) -> None:
    # given the seed's add document already compiled
    await _dealer(api)
    status, _ = await _send(api, SEED_ADD)
    assert status == 200

    # when a push carries a NUL or a lone surrogate
    status, text = await _send(api, _with(SEED_ADD, **{"bookingId": "hostile", **variables}))

    # then it is refused as bad input, with a code, and nothing is stored
    body = json.loads(text)
    assert status == 200
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    hostile_id = variables.get("bookingId", "hostile")
    status, text = await _send(api, _with(SEED_CHANGE, bookingId=hostile_id))
    assert json.loads(text)["errors"][0]["extensions"]["code"] in {"NOT_FOUND", "BAD_USER_INPUT"}


async def test_another_tenants_key_is_not_found_on_the_compiled_path(
    api: Api, other_api: Api
) -> None:
    # given a booking of one tenant, and the change and cancel documents compiled
    await _dealer(api)
    await _dealer(other_api)
    for body in (SEED_ADD, SEED_CHANGE, SEED_CANCEL):
        await _send(other_api, _with(body, bookingId="warm-up"))
    status, _ = await _send(api, SEED_ADD)
    assert status == 200

    # when the other tenant changes and cancels it by its key, twice at once
    answers = await asyncio.gather(
        _send(other_api, SEED_CHANGE), _send(other_api, SEED_CANCEL),
        _send(other_api, SEED_CHANGE), _send(other_api, SEED_CANCEL),
    )  # fmt: skip

    # then every answer is NOT_FOUND and the booking is untouched
    assert {json.loads(text)["errors"][0]["extensions"]["code"] for _, text in answers} == {
        "NOT_FOUND"
    }
    status, text = await _send(api, _with(SEED_ADD))
    assert (status, "errors" in json.loads(text)) == (200, False)  # still the same booking

"""Bad input: a clear error with a stable code, HTTP status to match, nothing written."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import get_introspection_query

from booking_gateway.app import create_app
from booking_gateway.auth import TokenIssuer
from booking_gateway.services.bookings import BookingReader
from booking_gateway.settings import Settings
from tests.api.queries import ADD, BY_ID, BY_KEY, VIEWER, booking_input
from tests.conftest import Api


async def nothing_written(api: Api, booking_id: str = "12345") -> bool:
    data = await api.ok(BY_KEY, {"source": "user", "bookingId": booking_id})
    return data["bookingByExternalKey"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vin", "WV1ZZZ1JZXW00000"),  # 16 characters
        ("vin", "WV1ZZZ1JZXW00000I"),  # I is not allowed
        ("vin", "WV1ZZZ1JZXW0000O1"),
        ("vin", "WV1ZZZ1JZXW000\x0001"),
        ("appointmentDate", "2022-02-30"),
        ("appointmentDate", "2022-13-01T10:00:00Z"),
        ("appointmentDate", "2022-01-12T25:00:00Z"),
        ("appointmentDate", "2022-01-12T10:00:00"),  # no offset: not RFC 3339
        ("appointmentDate", "12/01/2022"),
        ("appointmentDate", ""),
        ("bookingCreatedAt", "yesterday"),
        ("bookingId", "x" * 129),
        ("bookingId", "   "),
        ("bookingDealer", "DEU\x0012345N"),
        ("reasonText", "x" * 1001),
        ("reasonText", "bell\x07"),
        ("reasonText", "\ud800"),  # a lone surrogate cannot be stored as UTF-8
    ],
)
async def test_invalid_field_is_bad_user_input_naming_the_field(
    api: Api, field: str, value: str
) -> None:
    # when a push carries one bad field
    error = await api.error(ADD, {"input": booking_input(**{field: value})})

    # then the error names it and nothing is written
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [f["field"] for f in error["extensions"]["fields"]] == [field]
    assert await nothing_written(api)


async def test_all_bad_fields_are_reported_at_once(api: Api) -> None:
    error = await api.error(ADD, {"input": booking_input(vin="short", appointmentDate="never")})
    assert {f["field"] for f in error["extensions"]["fields"]} == {"vin", "appointmentDate"}


async def test_lowercase_vin_and_padding_are_normalised(api: Api) -> None:
    await api.ok(ADD, {"input": booking_input(vin=" wv1zzz1jzxw000001 ", bookingId=" 12345 ")})
    found = await api.ok(BY_KEY, {"source": "user", "bookingId": "12345"})
    assert found["bookingByExternalKey"]["vin"] == "WV1ZZZ1JZXW000001"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"query": "{ viewer { tenant } }"', "BAD_REQUEST"),  # broken JSON
        (b'{"query": "{ viewer { tenant \xff } }"}', "BAD_REQUEST"),  # broken UTF-8
        (b'[{"query": "{ viewer { tenant } }"}]', "BAD_REQUEST"),  # batch
        (b'"just a string"', "BAD_REQUEST"),
        (b'{"query": 42}', "BAD_REQUEST"),
        (b'{"variables": {}}', "BAD_REQUEST"),
        (b'{"query": "{ viewer { tenant } }", "variables": [1]}', "BAD_REQUEST"),
        (b'{"query": "{ viewer { tenant } }", "operationName": "Nope"}', "BAD_REQUEST"),
        (b'{"query": "{ viewer { tenant "}', "GRAPHQL_PARSE_FAILED"),
        (b'{"query": "{ nosuchfield }"}', "GRAPHQL_VALIDATION_FAILED"),
        (b'{"query": "query Q($id: ID!) { booking(id: $id) { id } }"}', "BAD_USER_INPUT"),
    ],
)
async def test_malformed_requests_are_400(api: Api, body: bytes, code: str) -> None:
    response = await api.post_raw(body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_wrong_variable_type_fails_validation(api: Api) -> None:
    query = (
        'mutation($d: Int!) { addBooking(input: {appointmentDate: $d, bookingDealer: "D", '
        'bookingId: "1", bookingSource: "user", vin: "WV1ZZZ1JZXW000001"}) }'
    )
    response = await api.post(query, {"d": 1})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert await nothing_written(api, "1")


async def test_body_over_the_limit_is_413(api: Api) -> None:
    padding = "x" * (100 * 1024)
    response = await api.post_raw(json.dumps({"query": VIEWER, "pad": padding}).encode())
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_over_the_limit_is_413(api: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ viewer { tenant } }", "pad": "'
        for _ in range(200):
            yield b"x" * 1024
        yield b'"}'

    response = await api.http.post(
        "/graphql",
        content=chunks(),
        headers={"authorization": f"Bearer {api.token}", "content-type": "application/json"},
    )
    assert response.status_code == 413


async def test_other_content_types_are_415(api: Api) -> None:
    response = await api.http.post(
        "/graphql",
        content=b"query=x",
        headers={
            "authorization": f"Bearer {api.token}",
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_get_runs_queries_but_not_mutations(api: Api) -> None:
    headers = {"authorization": f"Bearer {api.token}"}
    query = await api.http.get("/graphql", params={"query": VIEWER}, headers=headers)
    assert query.status_code == 200
    assert query.json()["data"]["viewer"]["tenant"] == api.tenant

    mutation = 'mutation { cancelBooking(input: {bookingId: "1"}) }'
    response = await api.http.get("/graphql", params={"query": mutation}, headers=headers)
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_other_methods_are_405(api: Api) -> None:
    response = await api.http.put(
        "/graphql", content=b"{}", headers={"authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_queries_deeper_than_the_limit_are_refused(settings: Settings) -> None:
    # given a gateway whose depth limit is below this query's depth (booking=0 .. subject=3)
    app = create_app(dataclasses.replace(settings, max_query_depth=2))
    token = TokenIssuer(settings).issue(tenant="acme")
    deep = '{ booking(id: "x") { history { actor { subject } } } }'

    # when the query is sent (refused before it reaches the database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(
            "/graphql", json={"query": deep}, headers={"authorization": f"Bearer {token}"}
        )

    # then it is refused as too deep
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_too_many_aliases_are_refused(api: Api) -> None:
    wide = "{ " + " ".join(f"a{i}: viewer {{ tenant }}" for i in range(31)) + " }"
    response = await api.post(wide)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"


async def test_documents_with_too_many_tokens_are_refused(api: Api) -> None:
    huge = "{ viewer { " + " ".join(["tenant"] * 2100) + " } }"
    response = await api.post(huge)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"


async def test_unexpected_errors_are_masked_with_a_logged_correlation_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a resolver that hits a bug
    async def broken(self: BookingReader, booking_id: str) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(BookingReader, "get", broken)

    # when it is queried
    with caplog.at_level(logging.ERROR, logger="booking_gateway.errors"):
        response = await api.post(BY_ID, {"id": "x"})

    # then the client sees a masked error whose correlation id is in the log
    error = response.json()["errors"][0]
    assert error["message"] == "Internal server error"
    assert "secret" not in response.text
    correlation_id = error["extensions"]["correlationId"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert response.headers["x-request-id"] == correlation_id
    logged = [r for r in caplog.records if getattr(r, "correlation_id", None) == correlation_id]
    assert logged
    assert "secret internal detail" in caplog.text


async def test_introspection_nested_too_deep_is_refused_and_the_standard_query_passes(
    api: Api,
) -> None:
    # given the introspection query client tools send, and one nesting types in types
    nested = "{ __schema { types { fields { type { fields { type { fields { type { fields {"
    nested += " name } } } } } } } } } }"

    # when both are sent
    standard = await api.post(get_introspection_query(descriptions=True))
    deep = await api.post(nested)

    # then the standard one answers the schema, the deep one is refused before it runs
    assert standard.status_code == 200
    assert standard.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    assert deep.status_code == 400
    assert deep.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "data" not in deep.json()


HOSTILE = ["id\x00", "id\ud800", "\udfff"]


@pytest.mark.parametrize("text", HOSTILE, ids=["nul", "lone-high-surrogate", "lone-low"])
@pytest.mark.parametrize(
    "document",
    [
        "query($v: ID!) { booking(id: $v) { id } }",
        'query($v: String!) { bookingByExternalKey(source: "user", bookingId: $v) { id } }',
        "query($v: ID!) { bookingGroup(id: $v) { groupId } }",
        "query($v: ID) { resources(workshopId: $v) { id } }",
        "query($v: ID!) { reservation(id: $v) { id } }",
        "query($v: String!) { vehicleServiceHistory(vin: $v) { id } }",
        'mutation($v: ID!) { rescheduleBooking(bookingId: $v, startsAt: "2026-07-01T10:00:00Z")'
        " { __typename } }",
    ],
    ids=["booking", "byKey", "bookingGroup", "resources", "reservation", "history", "move"],
)
async def test_nul_and_lone_surrogates_in_ids_are_coded_refusals_never_500s(
    api: Api, document: str, text: str
) -> None:
    # when an id-like variable holds NUL or a lone surrogate (JSON lets both through)
    body = json.dumps({"query": document, "variables": {"v": text}}).encode()
    response = await api.post_raw(body)

    # then the answer is JSON with a client error code: never a 500 or an internal error
    assert response.status_code in (200, 400)
    codes = {e["extensions"]["code"] for e in response.json().get("errors", [])}
    assert codes <= {"BAD_USER_INPUT", "NOT_FOUND"}
    assert "INTERNAL_SERVER_ERROR" not in codes


async def test_a_nul_written_as_a_graphql_literal_is_a_coded_error_not_a_500(api: Api) -> None:
    # when a document carries NUL in a string literal (GraphQL's \\u0000 escape)
    response = await api.post(
        '{ bookingByExternalKey(source: "user", bookingId: "a\\u0000b") { id } }'
    )

    # then it is refused with a code, as JSON, on both databases
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_lone_surrogate_echoed_into_an_answer_is_still_json(api: Api) -> None:
    # when a lone surrogate reaches a message (an unknown operation name is echoed)
    body = json.dumps({"query": "query A { viewer { tenant } }", "operationName": "\ud800"})
    response = await api.post_raw(body.encode())

    # then the answer is a JSON error with a code, not a bare 500
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"]

"""The dealer import's hot paths send a fixed, small number of statements (a count, not a
timing): on PostgreSQL one read and one write, no BEGIN/COMMIT, no reset query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from booking_gateway.db.engine import Db
from tests.api.queries import ADD, CANCEL, CHANGE, CREATE_WORKSHOP, booking_input
from tests.conftest import Api

# Statements per push on each database. PostgreSQL: an add is one statement once this process
# knows the tenant's configuration (the first add reads it); a change or cancel is one read and
# one write. SQLite writes run in one transaction of its serialised writer (BEGIN IMMEDIATE,
# booking, audit event, COMMIT) on an in-process file.
EXPECTED = {
    "postgresql": {"first add": 2, "add": 1, "retried add": 1, "change": 2, "retried change": 1,
                   "cancel": 2, "retried cancel": 1},
    "sqlite": {"first add": 5, "add": 4, "retried add": 5, "change": 5, "retried change": 1,
               "cancel": 5, "retried cancel": 1},
}  # fmt: skip


async def _statements(db: Db, send: Callable[[], Awaitable[dict[str, Any]]]) -> list[str]:
    sent: list[str] = []
    async with db.observe(sent.append):
        data = await send()
    assert data
    return sent


@pytest.fixture
async def dealer(api: Api) -> Api:
    created = await api.ok(
        CREATE_WORKSHOP,
        {"input": {"name": "Dealer", "timeZone": "Europe/Berlin", "dealerNumber": "DEU12345N"}},
    )
    assert created["createWorkshop"]["__typename"] == "CreateWorkshopSuccess"
    return api


@pytest.mark.parametrize(
    ("path", "setup", "document", "variables"),
    [
        ("first add", [], ADD, booking_input()),
        ("add", [(ADD, booking_input(bookingId="other"))], ADD, booking_input()),
        ("retried add", [(ADD, booking_input())], ADD, booking_input()),
        ("change", [(ADD, booking_input())], CHANGE, booking_input(reasonKey="tyres")),
        (
            "retried change",
            [(ADD, booking_input()), (CHANGE, booking_input(reasonKey="tyres"))],
            CHANGE,
            booking_input(reasonKey="tyres"),
        ),
        ("cancel", [(ADD, booking_input())], CANCEL, {"bookingId": "12345"}),
        (
            "retried cancel",
            [(ADD, booking_input()), (CANCEL, {"bookingId": "12345"})],
            CANCEL,
            {"bookingId": "12345"},
        ),
    ],
)
async def test_each_import_path_sends_a_fixed_number_of_statements(
    dealer: Api,
    db: Db,
    path: str,
    setup: list[tuple[str, dict[str, Any]]],
    document: str,
    variables: dict[str, Any],
) -> None:
    # given
    for earlier_document, earlier_variables in setup:
        await dealer.ok(earlier_document, {"input": earlier_variables})

    # when
    sent = await _statements(db, lambda: dealer.ok(document, {"input": variables}))

    # then
    assert len(sent) == EXPECTED[db.dialect][path], sent
    assert not any(s.split()[0].upper() in {"RESET", "DISCARD"} for s in sent)
    if db.dialect == "postgresql":
        assert not any(s.strip().upper() in {"BEGIN", "COMMIT"} for s in sent), sent

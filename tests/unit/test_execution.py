"""The leaf fast path answers exactly as graphql-core does, data and errors alike."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NewType

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from booking_gateway.graphql.execution import GatewayExecutionContext

Odd = NewType("Odd", int)
ODD = strawberry.scalar(
    name="Odd",
    serialize=lambda value: value if value % 2 else _refuse(value),
    parse_value=lambda value: value,
    description="An odd number; an even one cannot be sent.",
)


def _refuse(value: int) -> int:
    raise ValueError(f"{value} is even")


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Item:
    name: str
    nickname: str | None
    at: datetime
    day: date | None
    colour: Colour
    odd: Odd
    count: int

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


@dataclass
class Loose:
    """An object that is not a strawberry type and lacks some fields."""

    name: Any
    nickname: Any = None


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        at = datetime(2026, 6, 10, 9, tzinfo=UTC)
        rows: list[tuple[Any, ...]] = [
            ("a", None, date(2026, 6, 10), Colour.RED, Odd(3)),
            ("b", "bee", None, Colour.GREEN, Odd(4)),  # 4 is refused by the scalar
            (None, "nameless", None, Colour.RED, Odd(5)),  # null for a non-null field
        ]
        return [
            Item(name=n, nickname=k, at=at, day=d, colour=c, odd=o, count=i)
            for i, (n, k, d, c, o) in enumerate(rows)
        ]

    @strawberry.field
    def loose(self) -> list[Item | None]:
        return [Loose("x"), Loose(None, "y")]  # type: ignore[list-item]


QUERY = """{
  items { name nickname at day colour odd count shout(times: 2) alias: name }
  loose { name nickname }
}"""


def run(context_class: type | None, extensions: list[Any] | None = None) -> Any:
    schema = strawberry.Schema(
        query=Query,
        execution_context_class=context_class,
        extensions=extensions or [],
        config=StrawberryConfig(scalar_map={Odd: ODD}),
    )
    result = schema.execute_sync(QUERY)
    errors = sorted(
        (str(e.message), tuple(e.path or ()), tuple((x.line, x.column) for x in e.locations or ()))
        for e in result.errors or ()
    )
    return result.data, errors


def test_the_fast_path_gives_graphql_cores_data_and_errors() -> None:
    # given a query of leaves of every kind, some of them null or refused by their scalar
    # when it runs with and without the gateway's execution context
    fast = run(GatewayExecutionContext)
    plain = run(None)

    # then data and errors (messages, paths, locations) are the same
    assert fast == plain
    data, errors = fast
    assert data is not None
    assert data["items"][0]["colour"] == "RED"
    assert data["items"][0]["shout"] == "AA"
    assert data["items"][1] is None  # its odd field was refused
    assert data["loose"][1] is None
    assert any("even" in message for message, _, _ in errors)
    assert any(path == ("items", 2, "name") for _, path, _ in errors)


class Upper(SchemaExtension):
    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


@pytest.mark.parametrize("context_class", [GatewayExecutionContext, None])
def test_an_extension_that_resolves_fields_still_sees_every_leaf(
    context_class: type | None,
) -> None:
    # given an extension that resolves every field
    # when the query runs
    data, _ = run(context_class, [Upper])

    # then the extension changed the leaves on both paths
    assert data is not None
    assert data["items"][0]["name"] == "A"


@strawberry.type
class Series:
    days: list[date]
    counts: list[int]
    maybe: list[int] | None
    holes: list[int]


@strawberry.type
class SeriesQuery:
    @strawberry.field
    def series(self) -> list[Series | None]:
        return [
            Series(days=[date(2026, 6, 10)], counts=[1, 2], maybe=None, holes=[1]),
            Series(days=[], counts=[3], maybe=[4], holes=[1, None, 3]),  # type: ignore[list-item]
            Series(days=[date(2026, 6, 11)], counts=[], maybe=[5], holes=[]),
        ]


def test_lists_of_leaves_match_graphql_core_with_nulls_and_refusals() -> None:
    # given lists of leaves, one holding a null where none may be and one the scalar refuses
    def run_series(context_class: type | None) -> Any:
        schema = strawberry.Schema(query=SeriesQuery, execution_context_class=context_class)
        result = schema.execute_sync("{ series { days counts maybe holes } }")
        errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or ())
        return result.data, errors

    # when both execution contexts run them, then they answer alike
    fast, plain = run_series(GatewayExecutionContext), run_series(None)
    assert fast == plain
    data, errors = fast
    assert data["series"][0] == {
        "days": ["2026-06-10"],
        "counts": [1, 2],
        "maybe": None,
        "holes": [1],
    }
    assert data["series"][1] is None  # a null inside [Int!]!
    assert errors

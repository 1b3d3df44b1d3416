"""The raw baseline of ``bench.load``: the dealer import contract with nothing in between.

    python bench/raw_service.py --port 8001 --database-url postgresql://postgres@127.0.0.1/bench
    python bench/raw_service.py --port 8001 --database-url sqlite:///raw.db

It takes the very same ``POST /graphql`` body as the gateway (the Connected Cars documents),
parses the JSON, picks the operation by its field name, reads the input (``variables.input``, or
the flat ``$variables`` the dealer clients declare) and runs ONE statement:

* ``addBooking``     INSERT of every input column plus an id and a created_at
                     (``ON CONFLICT DO NOTHING``; a retried add then reads the existing id),
* ``changeBooking``  one UPDATE by (bookingSource, bookingId),
* ``cancelBooking``  one UPDATE setting the status, by bookingId,

and answers ``{"data": {"<field>": "<id>"}}`` (a GraphQL error when no row matched). No token
check, no GraphQL parsing, no validation, no audit trail: the floor the gateway is measured
against.

For the read workloads (``bench.load --workloads reads``, PostgreSQL only) it reads the
gateway's own tables in the same database, by GET with query parameters:

* ``/reads/timeslots``  the same fetch as a timeslots request (workshop, service, its resources,
                        the active allocations in the window; four SELECTs on one connection) and
                        a minimal availability computation: per start on the service's grid
                        within the opening hours, min(free resources of the required type,
                        capacity - spots taken), starts with nothing free left out,
* ``/reads/bookings``   one SELECT of a page of bookings in (sort_at, id) order,
* ``/reads/feed``       one SELECT of a page of audit events in id order.

PostgreSQL: an asyncpg pool (as large as the gateway's). SQLite: one aiosqlite
connection, WAL, ``synchronous=NORMAL``, ``BEGIN IMMEDIATE`` / statement / ``COMMIT`` under a
lock. The table is its own (``raw_bookings_<random>``), created at startup, dropped at shutdown.
Served by uvicorn as the gateway is: uvloop, httptools, one worker, no access log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

POOL_SIZE = 20  # booking_gateway.db.engine.Db's PostgreSQL pool
# GraphQL input field -> column. The id, status, created_at and updated_at come on top.
COLUMNS = {
    "appointmentDate": "appointment_date",
    "bookingDealer": "booking_dealer",
    "bookingId": "booking_id",
    "bookingSource": "booking_source",
    "vin": "vin",
    "reasonKey": "reason_key",
    "reasonText": "reason_text",
    "fleetId": "fleet_id",
    "workshopId": "workshop_id",
    "bookingCreatedAt": "booking_created_at",
}
CHANGED = [c for f, c in COLUMNS.items() if f not in ("bookingId", "bookingSource")]
OPERATIONS = ("addBooking", "changeBooking", "cancelBooking")


# Reads of the gateway's own tables (PostgreSQL).
READ_WORKSHOP = "SELECT time_zone, opening_hours FROM workshops WHERE tenant_id = $1 AND id = $2"
READ_SERVICE = "SELECT definition FROM services WHERE tenant_id = $1 AND id = $2"
READ_RESOURCES = "SELECT id, type FROM resources WHERE tenant_id = $1 AND workshop_id = $2"
READ_BUSY = (
    "SELECT resource_id, service_id, starts_at, ends_at, spots FROM allocations"
    " WHERE tenant_id = $1 AND workshop_id = $2 AND active AND starts_at < $4 AND ends_at > $3"
    " AND (expires_at IS NULL OR expires_at > $5)"
)
READ_BOOKINGS = (
    "SELECT * FROM bookings WHERE tenant_id = $1 AND sort_at >= $2 AND sort_at < $3"
    " ORDER BY sort_at, id LIMIT $4"
)
READ_FEED = (
    "SELECT id, tenant_id, booking_id, action, occurred_at, actor_subject, user_agent,"
    " request_id, before, after, txid FROM audit_events WHERE tenant_id = $1 AND id > $2"
    " ORDER BY id LIMIT $3"
)


def _document(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _day_hours(hours: Any, weekday: int) -> list[tuple[str, str]]:
    """The opening intervals of a weekday (0 = Monday) from the workshop's stored hours."""
    hours = _document(hours) or {}
    if isinstance(hours, Mapping):
        found = hours.get(str(weekday), hours.get(weekday)) or []
    else:
        found = next((h["intervals"] for h in hours if h.get("weekday") == weekday), [])
    return [(str(i[0]), str(i[1])) for i in found]


def availability(
    zone: str,
    hours: Any,
    definition: Mapping[str, Any],
    resources: Sequence[Any],
    busy: Sequence[Any],
    first: date,
    last: date,
    now: datetime,
) -> list[dict[str, Any]]:
    """Per start on the service's grid within the opening hours: the spots free there."""
    tz = ZoneInfo(zone)
    duration = timedelta(minutes=int(definition["duration_minutes"]))
    step = timedelta(minutes=int(definition.get("slot_interval_minutes", 15)))
    before = timedelta(minutes=int(definition.get("buffer_before_minutes", 0)))
    after = timedelta(minutes=int(definition.get("buffer_after_minutes", 0)))
    capacity = int(definition.get("capacity", 1))
    types = set(definition.get("required_resource_types") or ())
    pool = [r["id"] for r in resources if r["type"] in types]
    per_resource: dict[str, list[tuple[datetime, datetime]]] = {r: [] for r in pool}
    taken: list[tuple[datetime, datetime, int]] = []
    for row in busy:
        if row["resource_id"] is None:
            taken.append((row["starts_at"], row["ends_at"], row["spots"]))
        elif row["resource_id"] in per_resource:
            per_resource[row["resource_id"]].append((row["starts_at"], row["ends_at"]))
    # A resource's busy spans never overlap (the database's exclusion constraint): sorted by
    # start, their ends are sorted too, and one bisection finds the first that ends after a time.
    for spans in per_resource.values():
        spans.sort()
    span_ends = {r: [e for _, e in spans] for r, spans in per_resource.items()}
    taken.sort()
    taken_starts = [s for s, _, _ in taken]
    longest = max((e - s for s, e, _ in taken), default=timedelta(0))
    slots: list[dict[str, Any]] = []
    day = first
    while day <= last:
        for opens, closes in _day_hours(hours, day.weekday()):
            start = datetime.combine(day, time.fromisoformat(opens), tz).astimezone(UTC)
            close = datetime.combine(day, time.fromisoformat(closes), tz).astimezone(UTC)
            while start + duration <= close:
                if start >= now:
                    block_from, block_to = start - before, start + duration + after
                    free = 0
                    for r in pool:
                        i = bisect_right(span_ends[r], block_from)
                        spans = per_resource[r]
                        if i == len(spans) or spans[i][0] >= block_to:
                            free += 1
                    low = bisect_right(taken_starts, start - longest)
                    high = bisect_left(taken_starts, start + duration)
                    used = sum(n for _, e, n in taken[low:high] if e > start)
                    spots = min(free, capacity - used) if pool else capacity - used
                    if spots > 0:
                        slots.append(
                            {
                                "startsAt": start.isoformat(),
                                "endsAt": (start + duration).isoformat(),
                                "availableSpots": spots,
                            }
                        )
                start += step
        day += timedelta(days=1)
    return slots


class NotFound(Exception):
    """No booking has that key."""


class Store(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def add(self, values: Mapping[str, Any]) -> str: ...
    async def change(self, values: Mapping[str, Any]) -> str | None: ...
    async def cancel(self, booking_id: str) -> str | None: ...


def _ddl(table: str, timestamp: str) -> list[str]:
    columns = ", ".join(f"{c} TEXT" for c in COLUMNS.values())
    return [
        f"CREATE TABLE {table} (id TEXT PRIMARY KEY, status TEXT NOT NULL, {columns}, "
        f"created_at {timestamp} NOT NULL, updated_at {timestamp} NOT NULL)",
        # booking_id first: the cancel finds a booking by bookingId alone.
        f"CREATE UNIQUE INDEX {table}_key ON {table} (booking_id, booking_source)",
    ]


def _statements(table: str, mark: Callable[[int], str]) -> dict[str, str]:
    names = ["id", "status", *COLUMNS.values(), "created_at", "updated_at"]
    placeholders = ", ".join(mark(i + 1) for i in range(len(names)))
    n = len(CHANGED)
    assignments = ", ".join(f"{c} = {mark(i + 1)}" for i, c in enumerate(CHANGED))
    return {
        "add": f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders}) "
        "ON CONFLICT (booking_id, booking_source) DO NOTHING RETURNING id",
        "existing": f"SELECT id FROM {table} WHERE booking_id = {mark(1)} "
        f"AND booking_source = {mark(2)}",
        "change": f"UPDATE {table} SET {assignments}, updated_at = {mark(n + 1)} "
        f"WHERE booking_id = {mark(n + 2)} AND booking_source = {mark(n + 3)} RETURNING id",
        "cancel": f"UPDATE {table} SET status = 'CANCELLED', updated_at = {mark(1)} "
        f"WHERE booking_id = {mark(2)} RETURNING id",
    }


def _add_row(values: Mapping[str, Any], now: datetime | str) -> list[Any]:
    return [str(uuid.uuid4()), "CONFIRMED", *(values.get(f) for f in COLUMNS), now, now]


def _change_row(values: Mapping[str, Any], now: datetime | str) -> list[Any]:
    kept = [values.get(f) for f in COLUMNS if f not in ("bookingId", "bookingSource")]
    return [*kept, now, values.get("bookingId"), values.get("bookingSource")]


class PostgresStore:
    def __init__(self, url: str) -> None:
        self._url = url
        self._table = f"raw_bookings_{secrets.token_hex(4)}"
        self._sql = _statements(self._table, lambda i: f"${i}")
        self._pool: Any = None

    async def start(self) -> None:
        import asyncpg

        self._pool = await asyncpg.create_pool(self._url, min_size=1, max_size=POOL_SIZE)
        async with self._pool.acquire() as conn:
            for statement in _ddl(self._table, "TIMESTAMPTZ"):
                await conn.execute(statement)

    async def stop(self) -> None:
        if self._pool is not None:
            async with self._pool.acquire() as conn:
                await conn.execute(f"DROP TABLE IF EXISTS {self._table}")
            await self._pool.close()

    async def add(self, values: Mapping[str, Any]) -> str:
        async with self._pool.acquire() as conn:
            new = await conn.fetchval(self._sql["add"], *_add_row(values, datetime.now(UTC)))
            if new is not None:
                return str(new)
            # A retried add: the row exists, answer its id (as the gateway does).
            existing = await conn.fetchval(
                self._sql["existing"], values.get("bookingId"), values.get("bookingSource")
            )
        if existing is None:
            raise NotFound
        return str(existing)

    async def change(self, values: Mapping[str, Any]) -> str | None:
        async with self._pool.acquire() as conn:
            found = await conn.fetchval(
                self._sql["change"], *_change_row(values, datetime.now(UTC))
            )
        return None if found is None else str(found)

    async def cancel(self, booking_id: str) -> str | None:
        async with self._pool.acquire() as conn:
            found = await conn.fetchval(self._sql["cancel"], datetime.now(UTC), booking_id)
        return None if found is None else str(found)

    async def timeslots(
        self, tenant: str, workshop: str, service: str, first: date, last: date
    ) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        window_from = datetime.combine(first, time(), UTC) - timedelta(days=1)
        window_to = datetime.combine(last, time(), UTC) + timedelta(days=2)
        async with self._pool.acquire() as conn:
            shop = await conn.fetchrow(READ_WORKSHOP, tenant, workshop)
            definition = await conn.fetchval(READ_SERVICE, tenant, service)
            resources = await conn.fetch(READ_RESOURCES, tenant, workshop)
            busy = await conn.fetch(READ_BUSY, tenant, workshop, window_from, window_to, now)
        if shop is None or definition is None:
            raise NotFound
        return availability(
            shop["time_zone"],
            shop["opening_hours"],
            _document(definition),
            resources,
            busy,
            first,
            last,
            now,
        )

    async def bookings(
        self, tenant: str, since: datetime, until: datetime, limit: int
    ) -> list[dict[str, Any]]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(READ_BOOKINGS, tenant, since, until, limit)
        return [_jsonable(row) for row in rows]

    async def feed(self, tenant: str, after: int, limit: int) -> list[dict[str, Any]]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(READ_FEED, tenant, after, limit)
        return [_jsonable(row) for row in rows]


def _jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as JSON; JSON columns pass through as the text the driver gives."""
    return {k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in row.items()}


class SqliteStore:
    def __init__(self, path: str) -> None:
        self._path = path
        self._table = f"raw_bookings_{secrets.token_hex(4)}"
        self._sql = _statements(self._table, lambda i: "?")
        self._conn: Any = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        import aiosqlite

        self._conn = await aiosqlite.connect(self._path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
            await self._conn.execute(f"PRAGMA {pragma}")
        for statement in _ddl(self._table, "TEXT"):
            await self._conn.execute(statement)

    async def stop(self) -> None:
        if self._conn is not None:
            await self._conn.execute(f"DROP TABLE IF EXISTS {self._table}")
            await self._conn.close()

    async def _one(self, sql: str, params: list[Any], fallback: list[Any] | None = None) -> Any:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                async with self._conn.execute(sql, params) as cursor:
                    row = await cursor.fetchone()
                if row is None and fallback is not None:
                    async with self._conn.execute(self._sql["existing"], fallback) as cursor:
                        row = await cursor.fetchone()
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")
        return None if row is None else row[0]

    async def add(self, values: Mapping[str, Any]) -> str:
        now = datetime.now(UTC).isoformat()
        key = [values.get("bookingId"), values.get("bookingSource")]
        found = await self._one(self._sql["add"], _add_row(values, now), key)
        if found is None:
            raise NotFound
        return str(found)

    async def change(self, values: Mapping[str, Any]) -> str | None:
        now = datetime.now(UTC).isoformat()
        found = await self._one(self._sql["change"], _change_row(values, now))
        return None if found is None else str(found)

    async def cancel(self, booking_id: str) -> str | None:
        found = await self._one(self._sql["cancel"], [datetime.now(UTC).isoformat(), booking_id])
        return None if found is None else str(found)


def _json(document: object, status: int = 200) -> Response:
    return Response(
        json.dumps(document, separators=(",", ":")),
        status_code=status,
        media_type="application/json",
    )


def _error(message: str, code: str) -> Response:
    return _json({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]})


def create_app(database_url: str) -> Starlette:
    store: Store
    if database_url.startswith("sqlite"):
        store = SqliteStore(database_url.split("///", 1)[1])
    else:
        store = PostgresStore(database_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await store.start()
        try:
            yield
        finally:
            await store.stop()

    async def graphql(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            query, variables = body["query"], body.get("variables") or {}
            values = variables.get("input", variables)
            operation = next(op for op in OPERATIONS if op in query)
        except (ValueError, KeyError, TypeError, AttributeError, StopIteration):
            return _json({"errors": [{"message": "bad request"}]}, 400)
        try:
            if operation == "addBooking":
                found: str | None = await store.add(values)
            elif operation == "changeBooking":
                found = await store.change(values)
            else:
                found = await store.cancel(values.get("bookingId"))
        except NotFound:
            found = None
        if found is None:
            return _error("Booking not found", "NOT_FOUND")
        return _json({"data": {operation: found}})

    def postgres() -> PostgresStore:
        if not isinstance(store, PostgresStore):
            raise NotFound  # the read workloads run on PostgreSQL only
        return store

    async def read(request: Request) -> Response:
        q = request.query_params
        name = request.path_params["name"]
        try:
            pg = postgres()
            if name == "timeslots":
                answer: Any = await pg.timeslots(
                    q["tenant"],
                    q["workshop"],
                    q["service"],
                    date.fromisoformat(q["from"]),
                    date.fromisoformat(q["to"]),
                )
            elif name == "bookings":
                answer = await pg.bookings(
                    q["tenant"],
                    datetime.fromisoformat(q["since"]),
                    datetime.fromisoformat(q["until"]),
                    int(q["limit"]),
                )
            elif name == "feed":
                answer = await pg.feed(q["tenant"], int(q.get("after", 0)), int(q["limit"]))
            else:
                raise NotFound
        except (KeyError, ValueError):
            return _json({"errors": [{"message": "bad request"}]}, 400)
        except NotFound:
            return _error("Not found", "NOT_FOUND")
        return _json({"data": {name: answer}})

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            Route("/reads/{name}", read, methods=["GET"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.database_url),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()

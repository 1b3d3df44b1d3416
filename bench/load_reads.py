"""The read workloads of ``bench.load`` (``--workloads reads``), PostgreSQL only.

Set up before anything is timed, on the benchmark's own database:

* a workshop (07:00-12:00 and 12:30-18:00 every day, Europe/Copenhagen), 20 lifts and a
  60-minute service (capacity 20, one lift, 15 minutes buffer after) created through the
  gateway's own GraphQL API; then 1,000 bookings' allocations over 14 days written straight into
  ``allocations`` (as existing data would be: 4 a lift and day, never overlapping on a lift);
* a tenant with ``--small-bookings`` (1,000) bookings and one with ``--big-bookings`` (500,000)
  bookings, spread over the next 365 days, each one ``INSERT ... SELECT generate_series``;
* a tenant with one booking and 10,000 audit events (the change feed), the same way.

Workloads, both targets warmed up, then interleaved in rounds like the write workloads:

* ``timeslots`` for the service over 14 days, c=1 and c=8; the raw service does the same fetch
  (workshop, service, resources, allocations) and a minimal availability computation;
* ``bookingGroups`` page 1 of 50 (filter: the next 365 days) with ``hasNextPage`` (``total``
  is counted only when selected, and a count reads the whole window) on the small and the big
  tenant, c=1; the raw service runs one SELECT of the same 50 rows on the (tenant, sort_at, id)
  index;
* ``changeFeed`` first 500 events, c=1; the raw service runs one SELECT of 500 events by id.

Before timing, one request to each target checks that both answer the same rows (page and feed:
the same ids in the same order; timeslots: both find starts).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

# Imported by bench.load when it runs the reads, so bench.load is complete by then.
from bench.load import (
    HOST,
    REQUEST_TIMEOUT_S,
    Bench,
    BenchError,
    Phase,
    Postgres,
    Row,
    Server,
    Workload,
    progress,
)

ZONE = "Europe/Copenhagen"
DAYS, LIFTS, SLOT_BOOKINGS = 14, 20, 1000
PAGE, FEED_PAGE, FEED_EVENTS = 50, 500, 10_000
LIST_DAYS = 365
WARMUP_REQUESTS = 10
PHASE_BUDGET_S = 20.0  # a slow read gets fewer requests per round (both targets alike)
MIN_REQUESTS = 10

TIMESLOTS_1 = Workload("timeslots c=1", "timeslots", 1)
TIMESLOTS_8 = Workload("timeslots c=8", "timeslots", 8)
PAGE_SMALL = Workload("bookings page small c=1", "bookingGroups", 1)
PAGE_BIG = Workload("bookings page big c=1", "bookingGroups", 1)
FEED = Workload("changeFeed 500 c=1", "changeFeed", 1)
READ_WORKLOADS = (TIMESLOTS_1, TIMESLOTS_8, PAGE_SMALL, PAGE_BIG, FEED)
RAW_FIELDS = {"timeslots": "timeslots", "bookingGroups": "bookings", "changeFeed": "feed"}

CREATE_WORKSHOP = """mutation($input: CreateWorkshopInput!) {
  createWorkshop(input: $input) { __typename ... on CreateWorkshopSuccess { workshop { id } } }
}"""
UPDATE_WORKSHOP = """mutation($input: UpdateWorkshopInput!) {
  updateWorkshop(input: $input) { __typename }
}"""
CREATE_RESOURCE = """mutation($input: CreateResourceInput!) {
  createResource(input: $input) { __typename ... on ResourceSuccess { resource { id } } }
}"""
CREATE_SERVICE = """mutation($input: ServiceInput!) {
  createService(input: $input) { __typename ... on ServiceSuccess { service { id } } }
}"""
TIMESLOTS = """query($w: ID!, $s: [ID!]!, $from: Date!, $to: Date!) {
  timeslots(workshopId: $w, serviceIds: $s, dateFrom: $from, dateTo: $to) {
    timeZone days { date startsAt endsAt localStartsAt localEndsAt availableSpots }
  }
}"""
BOOKING_GROUPS = """query($from: Date!, $to: Date!, $size: Int!) {
  bookingGroups(filter: {from: $from, to: $to}, page: 1, pageSize: $size) {
    page pageSize hasNextPage
    items { groupId bookings { id status vin dealerNumber revision createdAt updatedAt
      appointment { date startsAt } } }
  }
}"""
CHANGE_FEED = """query($first: Int!) {
  changeFeed(first: $first) {
    events { cursor bookingId event { id action occurredAt } } endCursor hasMore
  }
}"""

INSERT_ALLOCATION = """INSERT INTO allocations (tenant_id, workshop_id, line_id, visit_id,
    service_id, resource_id, starts_at, ends_at, spots, expires_at, active, booking_id,
    reservation_id) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, NULL, true, NULL, NULL)"""
# $4 bookings of tenant $1 spread evenly over $3 days from $2 (09:00 UTC), 30 s apart within a
# day, date-only bookings (sort_at: the moment, appointment_date: its date).
INSERT_BOOKINGS = """INSERT INTO bookings (id, tenant_id, status, source, external_id, vin,
    dealer_number, reason_key, reason_text, appointment_precision, appointment_date,
    created_at, updated_at, revision, sort_at)
SELECT md5($1 || '-' || i)::uuid::text, $1, 'CONFIRMED', 'dms', 'b' || i,
    'WV1ZZZ1JZ' || lpad(i::text, 8, '0'), 'DEU12345N', 'service', 'Service', 'DATE',
    (at AT TIME ZONE 'UTC')::date, now(), now(), 1, at
FROM generate_series(1, $4::int) AS i,
    LATERAL (SELECT $2::timestamptz + (i % $3::int) * interval '1 day'
        + (i / $3::int) * interval '30 seconds' AS at) AS t"""
INSERT_EVENTS = """INSERT INTO audit_events (tenant_id, booking_id, action, occurred_at,
    actor_subject, request_id, after)
SELECT $1, $2, 'CHANGED', now(), 'bench', 'r' || i, jsonb_build_object('n', i)
FROM generate_series(1, $3::int) AS i"""


@dataclass
class Seeded:
    workshop: str
    service: str
    first_day: date
    last_day: date
    list_from: date
    list_to: date
    tenants: dict[str, str]  # role (slots, small, big, feed) -> tenant id
    tokens: dict[str, str]  # role -> gateway token
    seconds: dict[str, float]  # what took how long to set up


def _graphql(server: Server, token: str, query: str, variables: dict[str, Any]) -> Any:
    body = json.dumps({"query": query, "variables": variables}).encode()
    connection = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request(
            "POST",
            "/graphql",
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    if response.status != 200 or answer.get("errors") or answer.get("data") is None:
        raise BenchError(f"set-up request failed: HTTP {response.status} {str(answer)[:300]}")
    return answer["data"]


def _get(server: Server, target: str) -> Any:
    connection = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    if response.status != 200 or answer.get("errors"):
        raise BenchError(f"raw read {target} failed: HTTP {response.status} {str(answer)[:300]}")
    return answer["data"]


def _ok(data: Any, field: str, typename: str) -> Any:
    if data[field]["__typename"] != typename:
        raise BenchError(f"set-up {field} answered {data[field]}")
    return data[field]


def seed_catalog(gateway: Server, token: str) -> tuple[str, str, list[str]]:
    """Workshop, its hours, the lifts and the service, through the gateway's GraphQL."""
    created = _ok(
        _graphql(gateway, token, CREATE_WORKSHOP, {"input": {"name": "Bench", "timeZone": ZONE}}),
        "createWorkshop",
        "CreateWorkshopSuccess",
    )
    workshop: str = created["workshop"]["id"]
    hours = [
        {"weekday": d, "intervals": [["07:00", "12:00"], ["12:30", "18:00"]]} for d in range(7)
    ]
    _ok(
        _graphql(
            gateway,
            token,
            UPDATE_WORKSHOP,
            {"input": {"id": workshop, "openingHours": hours}},
        ),
        "updateWorkshop",
        "WorkshopSuccess",
    )
    lifts = []
    for i in range(LIFTS):
        data = _graphql(
            gateway,
            token,
            CREATE_RESOURCE,
            {"input": {"workshopId": workshop, "type": "lift", "name": f"Lift {i:02d}"}},
        )
        lifts.append(_ok(data, "createResource", "ResourceSuccess")["resource"]["id"])
    data = _graphql(
        gateway,
        token,
        CREATE_SERVICE,
        {
            "input": {
                "names": [{"language": "en", "text": "Service"}],
                "durationMinutes": 60,
                "workshopIds": [workshop],
                "maxNumberOfReservations": 20,
                "requiredResourceTypes": ["lift"],
                "bufferAfterMinutes": 15,
            }
        },
    )
    service: str = _ok(data, "createService", "ServiceSuccess")["service"]["id"]
    return workshop, service, lifts


def allocation_rows(
    tenant: str, workshop: str, service: str, lifts: Sequence[str], first_day: date
) -> list[tuple[Any, ...]]:
    """1,000 bookings' allocations: 4 a lift and day, 2.5 h apart, never overlapping on a lift;
    each a capacity row (no resource, 1 spot) and a lift row (0 spots), as bench_timeslots."""
    rng = random.Random(7)
    zone = ZoneInfo(ZONE)
    rows: list[tuple[Any, ...]] = []
    per_day = 4
    for i in range(SLOT_BOOKINGS):
        lift, j = lifts[i % len(lifts)], i // len(lifts)
        day = first_day + timedelta(days=j // per_day)
        start = datetime(day.year, day.month, day.day, 7, 0, tzinfo=zone).astimezone(UTC)
        start += timedelta(minutes=150 * (j % per_day) + rng.choice((0, 15, 30)))
        end = start + timedelta(minutes=rng.choice((30, 60, 90)))
        rows.append((tenant, workshop, f"b{i}", service, None, start, end, 1))
        rows.append((tenant, workshop, f"b{i}", service, lift, start, end, 0))
    return rows


async def _seed_sql(
    url: str,
    tenants: dict[str, str],
    allocations: list[tuple[Any, ...]],
    bookings: dict[str, int],
    list_from: date,
) -> dict[str, float]:
    import asyncpg

    seconds: dict[str, float] = {}
    conn = await asyncpg.connect(url, timeout=REQUEST_TIMEOUT_S)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.executemany(INSERT_ALLOCATION, allocations)
        seconds["allocations"] = time.perf_counter() - started
        since = datetime(list_from.year, list_from.month, list_from.day, 9, tzinfo=UTC)
        for role, count in bookings.items():
            started = time.perf_counter()
            await conn.execute(INSERT_BOOKINGS, tenants[role], since, LIST_DAYS, count)
            seconds[f"{count} bookings"] = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute(INSERT_BOOKINGS, tenants["feed"], since, LIST_DAYS, 1)
        booking = await conn.fetchval(
            "SELECT id FROM bookings WHERE tenant_id = $1", tenants["feed"]
        )
        for _ in range(FEED_EVENTS // 1000):  # ten transactions, as ten writers would
            await conn.execute(INSERT_EVENTS, tenants["feed"], booking, 1000)
        seconds[f"{FEED_EVENTS} events"] = time.perf_counter() - started
        started = time.perf_counter()
        for table in ("allocations", "bookings", "audit_events"):
            await conn.execute(f"VACUUM ANALYZE {table}")
        seconds["vacuum analyze"] = time.perf_counter() - started
    finally:
        await conn.close()
    return seconds


def seed(
    gateway: Server,
    pg: Postgres,
    tenant: str,
    issue: Callable[[str], str],
    small: int,
    big: int,
) -> Seeded:
    today = datetime.now(UTC).date()
    tenants = {
        "slots": tenant,
        "small": f"{tenant}-small",
        "big": f"{tenant}-big",
        "feed": f"{tenant}-feed",
    }
    tokens = {role: issue(t) for role, t in tenants.items()}
    started = time.perf_counter()
    workshop, service, lifts = seed_catalog(gateway, tokens["slots"])
    catalog_s = time.perf_counter() - started
    first_day = today + timedelta(days=2)
    list_from = today + timedelta(days=1)
    progress(f"postgresql: seeding {small} + {big} bookings, {FEED_EVENTS} events (bulk SQL)")
    seconds = asyncio.run(
        _seed_sql(
            pg.url,
            tenants,
            allocation_rows(tenant, workshop, service, lifts, first_day),
            {"small": small, "big": big},
            list_from,
        )
    )
    seconds = {"catalog (GraphQL)": catalog_s, **seconds}
    progress("postgresql: set-up " + ", ".join(f"{name} {s:.1f} s" for name, s in seconds.items()))
    return Seeded(
        workshop=workshop,
        service=service,
        first_day=first_day,
        last_day=first_day + timedelta(days=DAYS - 1),
        list_from=list_from,
        list_to=list_from + timedelta(days=LIST_DAYS - 1),
        tenants=tenants,
        tokens=tokens,
        seconds={k: round(v, 2) for k, v in seconds.items()},
    )


def _body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()


def gateway_request(server: Server, s: Seeded, workload: Workload) -> bytes:
    if workload in (TIMESLOTS_1, TIMESLOTS_8):
        variables: dict[str, Any] = {
            "w": s.workshop,
            "s": [s.service],
            "from": s.first_day.isoformat(),
            "to": s.last_day.isoformat(),
        }
        return server.request(_body(TIMESLOTS, variables), s.tokens["slots"])
    if workload in (PAGE_SMALL, PAGE_BIG):
        role = "small" if workload is PAGE_SMALL else "big"
        variables = {"from": s.list_from.isoformat(), "to": s.list_to.isoformat(), "size": PAGE}
        return server.request(_body(BOOKING_GROUPS, variables), s.tokens[role])
    return server.request(_body(CHANGE_FEED, {"first": FEED_PAGE}), s.tokens["feed"])


def raw_target(s: Seeded, workload: Workload) -> str:
    if workload in (TIMESLOTS_1, TIMESLOTS_8):
        query = {
            "tenant": s.tenants["slots"],
            "workshop": s.workshop,
            "service": s.service,
            "from": s.first_day.isoformat(),
            "to": s.last_day.isoformat(),
        }
        return "/reads/timeslots?" + urlencode(query)
    if workload in (PAGE_SMALL, PAGE_BIG):
        role = "small" if workload is PAGE_SMALL else "big"
        since = datetime(s.list_from.year, s.list_from.month, s.list_from.day, tzinfo=UTC)
        until = since + timedelta(days=LIST_DAYS)
        query = {
            "tenant": s.tenants[role],
            "since": since.isoformat(),
            "until": until.isoformat(),
            "limit": str(PAGE),
        }
        return "/reads/bookings?" + urlencode(query)
    return "/reads/feed?" + urlencode(
        {"tenant": s.tenants["feed"], "after": "0", "limit": str(FEED_PAGE)}
    )


def as_sent_to(server: Server, workload: Workload) -> Workload:
    """The raw service answers under its endpoint's name: the field the load client checks."""
    if server.name == "gateway":
        return workload
    return Workload(workload.name, RAW_FIELDS[workload.field], workload.concurrency)


def request_for(server: Server, s: Seeded, workload: Workload) -> bytes:
    if server.name == "gateway":
        return gateway_request(server, s, workload)
    return server.get(raw_target(s, workload))


def check_same_rows(gateway: Server, raw: Server, s: Seeded) -> dict[str, Any]:
    """One untimed request each: both targets answer the same rows."""
    facts: dict[str, Any] = {}

    def gw(workload: Workload) -> Any:
        document = json.loads(gateway_request(gateway, s, workload).split(b"\r\n\r\n", 1)[1])
        token = s.tokens[
            {TIMESLOTS_1: "slots", PAGE_SMALL: "small", PAGE_BIG: "big", FEED: "feed"}[workload]
        ]
        return _graphql(gateway, token, document["query"], document["variables"])

    days = gw(TIMESLOTS_1)["timeslots"]["days"]
    raw_slots = _get(raw, raw_target(s, TIMESLOTS_1))["timeslots"]
    starts = sum(len(day["startsAt"]) for day in days)  # parallel lists per local date
    facts["timeslots starts"] = {"gateway": starts, "raw": len(raw_slots)}
    if not days or not raw_slots:
        raise BenchError(f"timeslots found no starts: {facts}")
    for workload, role in ((PAGE_SMALL, "small"), (PAGE_BIG, "big")):
        page = gw(workload)["bookingGroups"]
        ids = [b["id"] for g in page["items"] for b in g["bookings"]]
        raw_ids = [r["id"] for r in _get(raw, raw_target(s, workload))["bookings"]]
        if len(ids) != PAGE or ids != raw_ids:
            raise BenchError(f"{role} page: the gateway and the raw SELECT differ")
        facts[f"{role} tenant: more pages"] = page["hasNextPage"]
    events = gw(FEED)["changeFeed"]["events"]
    ids = [int(e["event"]["id"]) for e in events]
    raw_ids = [int(r["id"]) for r in _get(raw, raw_target(s, FEED))["feed"]]
    if len(ids) != FEED_PAGE or ids != raw_ids:
        raise BenchError("feed page: the gateway and the raw SELECT differ")
    return facts


def run_reads(
    bench: Bench,
    gateway: Server,
    raw: Server,
    s: Seeded,
    requests: int,
    rounds: int,
) -> dict[tuple[str, str], list[Phase]]:
    servers = [gateway, raw]
    slowest: dict[str, float] = {}  # workload -> the slower target's median warm-up latency
    for server in servers:
        progress(f"postgresql: warming up {server.name} (reads)")
        for workload in READ_WORKLOADS:
            warm, _ = bench.send_requests(
                server,
                as_sent_to(server, workload),
                [request_for(server, s, workload)] * WARMUP_REQUESTS,
                "warm-up",
                deadline_s=600.0,
            )
            median = statistics.median(warm.latencies_s)
            slowest[workload.name] = max(slowest.get(workload.name, 0.0), median)
    phases: dict[tuple[str, str], list[Phase]] = {}
    for workload in READ_WORKLOADS:
        # As many requests as asked, unless that takes the slower target past the budget.
        seconds = slowest[workload.name] / workload.concurrency
        per_round = max(1, requests // rounds)
        if seconds * per_round > PHASE_BUDGET_S:
            per_round = max(MIN_REQUESTS, int(PHASE_BUDGET_S / seconds))
            progress(
                f"postgresql: {workload.name}: {per_round} requests per round and target "
                f"(p50 {slowest[workload.name] * 1000:.0f} ms in the warm-up)"
            )
        deadline = 60.0 + 5 * seconds * per_round
        for number in range(rounds):
            for server in servers if number % 2 == 0 else servers[::-1]:
                one = request_for(server, s, workload)
                _, phase = bench.send_requests(
                    server, as_sent_to(server, workload), [one] * per_round, "measure", deadline
                )
                assert phase is not None
                phases.setdefault((workload.name, server.name), []).append(phase)
                progress(
                    f"postgresql: {workload.name:<24} round {number + 1}/{rounds} "
                    f"{server.name:<7} {phase.requests / phase.elapsed_s:8.0f} req/s "
                    f"p50 {statistics.median(phase.latencies_s) * 1000:7.2f} ms"
                )
    return phases


def targets(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The read targets, from the summarised rows of one run."""
    by = {(r.workload, r.target): r for r in rows if r.database == "postgresql"}

    def ratio(a: float, b: float) -> float:
        return round(a / b, 2) if b else float("inf")

    checks: list[dict[str, Any]] = []
    wanted: list[tuple[str, Workload, str, Workload, str, str, float]] = [
        (
            "timeslots c=1: p50 gateway / raw",
            TIMESLOTS_1,
            "gateway",
            TIMESLOTS_1,
            "raw",
            "p50",
            2.0,
        ),
        (
            "timeslots c=8: req/s gateway / raw",
            TIMESLOTS_8,
            "gateway",
            TIMESLOTS_8,
            "raw",
            "rps",
            0.5,
        ),
        ("page small: p50 gateway / raw", PAGE_SMALL, "gateway", PAGE_SMALL, "raw", "p50", 2.0),
        ("page big: p50 gateway / raw", PAGE_BIG, "gateway", PAGE_BIG, "raw", "p50", 2.0),
        (
            "page big / page small: gateway p50",
            PAGE_BIG,
            "gateway",
            PAGE_SMALL,
            "gateway",
            "p50",
            1.2,
        ),
        ("feed 500: p50 gateway / raw", FEED, "gateway", FEED, "raw", "p50", 2.0),
    ]
    for name, w1, t1, w2, t2, kind, limit in wanted:
        a, b = by.get((w1.name, t1)), by.get((w2.name, t2))
        if a is None or b is None:
            continue
        if kind == "p50":
            value = ratio(a.p50_ms, b.p50_ms)
            met = value <= limit
            bound = f"<= {limit}x"
        else:
            value = ratio(a.requests_per_s, b.requests_per_s)
            met = value >= limit
            bound = f">= {limit}x"
        checks.append({"target": name, "value": value, "bound": bound, "met": met})
    return checks


def print_targets(checks: Sequence[dict[str, Any]]) -> None:
    if not checks:
        return
    print("\nread targets (PostgreSQL)")
    width = max(len(c["target"]) for c in checks)
    for c in checks:
        print(
            f"  {c['target']:<{width}}  {c['value']:6.2f}x  target {c['bound']:<7}  "
            f"{'met' if c['met'] else 'NOT met'}"
        )

"""Dealer import throughput: addBooking through the whole app (ASGI, auth, GraphQL, service,
SQL) against a raw baseline (the same INSERT on the bare driver), in one run.

    .venv/bin/python -m bench.bench_import                       # SQLite (temporary file)
    .venv/bin/python -m bench.bench_import --database-url postgresql://postgres@127.0.0.1/bench

Reports per-request latency (sequential), throughput with 50 concurrent clients, the ratio to the
raw insert, and peak RSS. No network: requests go through httpx's in-process ASGI transport.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from booking_gateway.app import create_app
from booking_gateway.auth import TokenIssuer
from booking_gateway.db.migrate import upgrade
from booking_gateway.settings import Settings

ADD = "mutation Add($input: AddBookingInput!) { addBooking(input: $input) }"
SECRET = "bench-secret-0123456789abcdef0123456789abcdef0123456789abcdef012"


def body(i: int) -> dict[str, object]:
    return {
        "query": ADD,
        "variables": {
            "input": {
                "appointmentDate": "2026-12-01T08:30:00Z",
                "bookingDealer": "DEU12345N",
                "bookingId": f"bench-{i}",
                "bookingSource": "dms",
                "vin": "WV1ZZZ1JZXW000001",
                "reasonKey": "service",
            }
        },
    }


async def raw_baseline(url: str, n: int) -> float:
    """Seconds per INSERT of a comparable row straight on the driver, in a transaction each."""
    table = f"bench_raw_{uuid.uuid4().hex[:8]}"
    if url.startswith("sqlite"):
        import aiosqlite

        async with aiosqlite.connect(url.split("///", 1)[1], isolation_level=None) as conn:
            await conn.execute(f"CREATE TABLE {table} (id TEXT PRIMARY KEY, k TEXT UNIQUE, v TEXT)")
            started = time.perf_counter()
            for i in range(n):
                await conn.execute("BEGIN IMMEDIATE")
                await conn.execute(
                    f"INSERT INTO {table} VALUES (?, ?, ?)", (str(uuid.uuid4()), f"k{i}", "x" * 200)
                )
                await conn.execute("COMMIT")
            elapsed = time.perf_counter() - started
            await conn.execute(f"DROP TABLE {table}")
            return elapsed / n
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE TABLE {table} (id TEXT PRIMARY KEY, k TEXT UNIQUE, v TEXT)")
        started = time.perf_counter()
        for i in range(n):
            async with conn.transaction():
                await conn.execute(
                    f"INSERT INTO {table} VALUES ($1, $2, $3)",
                    str(uuid.uuid4()),
                    f"k{i}",
                    "x" * 200,
                )
        elapsed = time.perf_counter() - started
        await conn.execute(f"DROP TABLE {table}")
        return elapsed / n
    finally:
        await conn.close()


async def run(url: str, n: int) -> None:
    await asyncio.to_thread(upgrade, url)
    settings = Settings(database_url=url, jwt_secret=SECRET, log_level="WARNING")
    app = create_app(settings)
    token = TokenIssuer(settings).issue(
        tenant=f"bench-{uuid.uuid4().hex[:8]}", scope="bookings:write"
    )
    headers = {"authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        for i in range(20):  # warm-up: caches, connections
            await client.post("/graphql", json=body(-i - 1), headers=headers)
        latencies = []
        for i in range(n):
            started = time.perf_counter()
            response = await client.post("/graphql", json=body(i), headers=headers)
            latencies.append(time.perf_counter() - started)
            assert "errors" not in response.json(), response.text
        started = time.perf_counter()
        for batch in range(n // 50):
            responses = await asyncio.gather(
                *(
                    client.post("/graphql", json=body(n + batch * 50 + j), headers=headers)
                    for j in range(50)
                )
            )
            assert all("errors" not in r.json() for r in responses)
        concurrent_rate = (n // 50) * 50 / (time.perf_counter() - started)
        retries = time.perf_counter()
        for i in range(n):  # idempotent retries: read-compare path
            await client.post("/graphql", json=body(i), headers=headers)
        retry_ms = (time.perf_counter() - retries) / n * 1000
    baseline = await raw_baseline(url, n)
    median = statistics.median(latencies)
    p95 = sorted(latencies)[int(len(latencies) * 0.95)]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database            {url.split(':', 1)[0]}")
    print(f"addBooking (new)    median {median * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")
    print(f"addBooking (retry)  mean {retry_ms:.2f} ms")
    print(f"50 concurrent       {concurrent_rate:.0f} bookings/s")
    print(f"raw INSERT baseline {baseline * 1000:.3f} ms -> gateway/raw = {median / baseline:.1f}x")
    print(f"peak RSS            {rss_mb:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("-n", type=int, default=500)
    args = parser.parse_args()
    if args.database_url:
        asyncio.run(run(args.database_url, args.n))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.n))


if __name__ == "__main__":
    main()

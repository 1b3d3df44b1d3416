"""Change feed: page through 10,000 events, 500 at a time, through the whole app.

    .venv/bin/python -m bench.bench_feed                       # SQLite (temporary file)
    .venv/bin/python -m bench.bench_feed --database-url postgresql://postgres@127.0.0.1/bench

Baseline in the same run: the same pages read with a bare ``SELECT ... WHERE id > ? ORDER BY id
LIMIT 500`` on the driver (no horizon, no cursor, no GraphQL). Also checks the pages return each
event once, in order.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from booking_gateway.app import create_app
from booking_gateway.auth import TokenIssuer
from booking_gateway.db.engine import Db
from booking_gateway.db.migrate import upgrade
from booking_gateway.settings import Settings

SECRET = "bench-secret-0123456789abcdef0123456789abcdef0123456789abcdef012"
EVENTS, PAGE = 10_000, 500
QUERY = """query($after: String, $first: Int!) {
  changeFeed(after: $after, first: $first) {
    events { cursor bookingId event { id action occurredAt } } endCursor hasMore
  }
}"""
ADD_BOOKING = (
    "INSERT INTO bookings (id, tenant_id, status, appointment_precision, appointment_date,"
    " created_at, updated_at, revision, sort_at) VALUES ($1, $2, 'CONFIRMED', 'DATE', $3, $4, $4,"
    " 1, $4)"
)
# Rows follow: ($1, $2, 'CHANGED', $3, 'bench', $n, $n+1), ... (txid left to its default).
ADD_EVENTS = (
    "INSERT INTO audit_events (tenant_id, booking_id, action, occurred_at, actor_subject,"
    " request_id, after) VALUES "
)
RAW_PAGE = (
    "SELECT id, tenant_id, booking_id, action, occurred_at, actor_subject, user_agent,"
    " request_id, before, after, txid FROM audit_events WHERE tenant_id = $1 AND id > $2"
    " ORDER BY id LIMIT $3"
)


def driver_sql(db: Db, sql: str) -> str:
    """SQL written with ``$n`` parameters, as the database's driver takes them."""
    return sql if db.dialect == "postgresql" else re.sub(r"\$(\d+)", r"?\1", sql)


async def run(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    settings = Settings(database_url=url, jwt_secret=SECRET, log_level="WARNING")
    app = create_app(settings)
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    async with app.router.lifespan_context(app):
        db = app.state.db
        booking_id = str(uuid.uuid4())
        async with db.transaction():
            await db.execute(
                driver_sql(db, ADD_BOOKING), [booking_id, tenant, date(2026, 12, 1), now]
            )
        for chunk in range(0, EVENTS, 1000):  # ten transactions, as ten writers would
            placeholders = ", ".join(
                f"($1, $2, 'CHANGED', $3, 'bench', ${4 + 2 * i}, ${5 + 2 * i})" for i in range(1000)
            )
            args: list[object] = [tenant, booking_id, now]
            for i in range(chunk, chunk + 1000):
                args += [f"r{i}", {"n": i}]
            async with db.transaction():
                await db.execute(driver_sql(db, ADD_EVENTS + placeholders), args)
        token = TokenIssuer(settings).issue(tenant=tenant, scope="bookings:read")
        pages, seen, after = [], [], None
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            while True:
                started = time.perf_counter()
                response = await client.post(
                    "/graphql",
                    json={"query": QUERY, "variables": {"after": after, "first": PAGE}},
                    headers={"authorization": f"Bearer {token}"},
                )
                pages.append(time.perf_counter() - started)
                feed = response.json()["data"]["changeFeed"]
                seen += [int(e["event"]["id"]) for e in feed["events"]]
                after = feed["endCursor"]
                if not feed["hasMore"]:
                    break
        assert seen == sorted(set(seen)), "each event once, in order"
        assert len(seen) == EVENTS, "every event"
        raw, raw_page = [], driver_sql(db, RAW_PAGE)
        last = 0
        for _ in range(EVENTS // PAGE):
            started = time.perf_counter()
            rows = await db.fetch(raw_page, [tenant, last, PAGE])
            raw.append(time.perf_counter() - started)
            last = rows[-1][0]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median = statistics.median(pages)
    print(f"database         {url.split(':', 1)[0]}")
    print(f"feed             {EVENTS} events in {len(pages)} pages of {PAGE}: each once, in order")
    print(
        f"GraphQL page     median {median * 1000:6.1f} ms, max {max(pages) * 1000:6.1f} ms "
        f"({median / PAGE * 1e6:.0f} us per event)"
    )
    print(
        f"raw page         median {statistics.median(raw) * 1000:6.1f} ms "
        f"-> gateway/raw = {median / statistics.median(raw):.1f}x"
    )
    print(f"peak RSS         {rss:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        asyncio.run(run(args.database_url))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{Path(tmp) / 'bench.db'}"))


if __name__ == "__main__":
    main()

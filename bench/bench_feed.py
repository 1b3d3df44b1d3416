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
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

from booking_gateway.app import create_app
from booking_gateway.auth import TokenIssuer
from booking_gateway.db.migrate import upgrade
from booking_gateway.db.tables import audit_events, bookings
from booking_gateway.settings import Settings

SECRET = "bench-secret-0123456789abcdef0123456789abcdef0123456789abcdef012"
EVENTS, PAGE = 10_000, 500
QUERY = """query($after: String, $first: Int!) {
  changeFeed(after: $after, first: $first) {
    events { cursor bookingId event { id action occurredAt } } endCursor hasMore
  }
}"""


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
                bookings.insert().values(
                    id=booking_id,
                    tenant_id=tenant,
                    status="CONFIRMED",
                    appointment_precision="DATE",
                    appointment_date=date(2026, 12, 1),
                    created_at=now,
                    updated_at=now,
                    revision=1,
                    sort_at=now,
                )
            )
        for chunk in range(0, EVENTS, 1000):  # ten transactions, as ten writers would
            async with db.transaction():
                await db.execute(
                    audit_events.insert().values(
                        [
                            {
                                "tenant_id": tenant,
                                "booking_id": booking_id,
                                "action": "CHANGED",
                                "occurred_at": now,
                                "actor_subject": "bench",
                                "request_id": f"r{i}",
                                "after": {"n": i},
                            }
                            for i in range(chunk, chunk + 1000)
                        ]
                    )
                )
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
        raw = []
        last = 0
        for _ in range(EVENTS // PAGE):
            started = time.perf_counter()
            rows = await db.fetch_rows(
                sa.select(audit_events)
                .where(audit_events.c.tenant_id == tenant, audit_events.c.id > last)
                .order_by(audit_events.c.id)
                .limit(PAGE)
            )
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

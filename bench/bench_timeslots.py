"""Timeslots over 14 days at a workshop with 20 resources and 1,000 existing bookings.

    .venv/bin/python -m bench.bench_timeslots                     # SQLite (temporary file)
    .venv/bin/python -m bench.bench_timeslots --database-url postgresql://postgres@127.0.0.1/bench

Three figures, in one run: the scheduler alone on the same busy lines (the raw baseline), the
service call (SQL + scheduler), and the whole GraphQL request through the app. Plus peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from booking_gateway.app import create_app
from booking_gateway.auth import TokenIssuer
from booking_gateway.db.migrate import upgrade
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.statements import Statement
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.ids import RequestId, TenantId
from booking_gateway.domain.models import RequestMeta
from booking_gateway.domain.principal import ALL_SCOPES, Principal
from booking_gateway.domain.scheduling import compute_timeslots
from booking_gateway.services.admin import AdminService
from booking_gateway.services.catalog import CatalogService, ServiceInput, WorkshopChange
from booking_gateway.services.online_booking import OnlineBookingService
from booking_gateway.services.placement import PlacementService, Visit, workshop_hours

SECRET = "bench-secret-0123456789abcdef0123456789abcdef0123456789abcdef012"
DAYS, RESOURCES, BOOKINGS, RUNS = 14, 20, 1000, 30
# Straight into the table, bypassing the capacity counter (as existing data would be).
INSERT_ALLOCATION = Statement(
    """INSERT INTO allocations (tenant_id, workshop_id, line_id, visit_id, service_id,
        resource_id, starts_at, ends_at, spots, expires_at, active, booking_id, reservation_id)
    VALUES (:tenant, :workshop_id, :line_id, :visit_id, :service_id, :resource_id, :starts_at,
        :ends_at, :spots, :expires_at, :active, :booking_id, :reservation_id)"""
)
QUERY = """query($w: ID!, $s: [ID!]!, $from: Date!, $to: Date!) {
  timeslots(workshopId: $w, serviceIds: $s, dateFrom: $from, dateTo: $to) {
    timeZone days { date startsAt endsAt localStartsAt localEndsAt availableSpots }
  }
}"""


def median_ms(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples) * 1000:7.2f} ms, p95 "
        f"{sorted(samples)[int(len(samples) * 0.95)] * 1000:7.2f} ms"
    )


async def run(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    settings = __import__("booking_gateway.settings", fromlist=["Settings"]).Settings(
        database_url=url, jwt_secret=SECRET, log_level="WARNING"
    )
    app = create_app(settings)
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    principal = Principal(TenantId(tenant), "bench", frozenset(ALL_SCOPES.split()))
    rng = random.Random(7)
    async with app.router.lifespan_context(app):
        db = app.state.db
        uow = SqlUnitOfWork(db, TenantScope(principal.tenant))
        workshop = await AdminService(uow, principal).create_workshop("Bench", "Europe/Copenhagen")
        catalog = CatalogService(uow, principal)
        await catalog.update_workshop(
            workshop.id,
            WorkshopChange(
                opening_hours={d: [("07:00", "12:00"), ("12:30", "18:00")] for d in range(7)}
            ),
        )
        lifts = [
            await catalog.create_resource(workshop.id, "lift", f"Lift {i:02d}")
            for i in range(RESOURCES)
        ]
        service = await catalog.save_service(
            ServiceInput(
                names={"en": "Service"},
                duration_minutes=60,
                workshop_ids=[workshop.id],
                capacity=20,
                required_resource_types=["lift"],
                buffer_after_minutes=15,
            )
        )
        first_day = (datetime.now(UTC) + timedelta(days=2)).date()
        zone = ZoneInfo("Europe/Copenhagen")
        rows = []
        per_day = 4  # bookings per lift and day, 2.5 h apart: never overlapping on a lift
        for i in range(BOOKINGS):
            lift, j = lifts[i % RESOURCES], i // RESOURCES
            day = first_day + timedelta(days=j // per_day)
            start = datetime(day.year, day.month, day.day, 7, 0, tzinfo=zone).astimezone(UTC)
            start += timedelta(minutes=150 * (j % per_day) + rng.choice((0, 15, 30)))
            end = start + timedelta(minutes=rng.choice((30, 60, 90)))
            common = {
                "tenant": tenant,
                "workshop_id": workshop.id,
                "line_id": f"b{i}",
                "visit_id": f"b{i}",
                "service_id": service.id,
                "starts_at": start,
                "ends_at": end,
                "expires_at": None,
                "active": True,
                "booking_id": None,
                "reservation_id": None,
            }
            rows.append({**common, "resource_id": None, "spots": 1})
            rows.append({**common, "resource_id": lift.id, "spots": 0})
        insert = INSERT_ALLOCATION.render(db.dialect, workshop=False)
        async with db.transaction():
            for row in rows:
                await db.execute(insert.sql, [row[name] for name in insert.names])

        online = OnlineBookingService(uow, principal, RequestMeta(RequestId("bench")))
        visit = Visit(workshop.id, [service.id])
        last_day = first_day + timedelta(days=DAYS - 1)
        repos = uow.read()
        now = datetime.now(UTC)
        busy = await repos.allocations.busy(
            workshop.id, now - timedelta(days=1), now + timedelta(days=DAYS + 3), now
        )
        plan = await PlacementService(principal).plan(repos, visit, now)
        hours = workshop_hours(plan.workshop)
        pool = plan.resources

        engine, service_call, http = [], [], []
        slots = 0
        for _ in range(RUNS):
            started = time.perf_counter()
            found = compute_timeslots(
                hours, plan.query, pool, busy, date_from=first_day, date_to=last_day
            )
            engine.append(time.perf_counter() - started)
            slots = len(found)
            started = time.perf_counter()
            await online.timeslots(visit, first_day, last_day)
            service_call.append(time.perf_counter() - started)
        token = TokenIssuer(settings).issue(tenant=tenant, scope="bookings:read")
        variables = {
            "w": workshop.id,
            "s": [service.id],
            "from": first_day.isoformat(),
            "to": last_day.isoformat(),
        }
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            for _ in range(RUNS):
                started = time.perf_counter()
                response = await client.post(
                    "/graphql",
                    json={"query": QUERY, "variables": variables},
                    headers={"authorization": f"Bearer {token}"},
                )
                http.append(time.perf_counter() - started)
                assert "errors" not in response.json(), response.text[:300]
        size = len(response.content)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database              {url.split(':', 1)[0]}")
    print(
        f"workload              {DAYS} days, {RESOURCES} lifts, {BOOKINGS} bookings, "
        f"{len(busy)} busy lines, {slots} free slots"
    )
    print(f"scheduler only        {median_ms(engine)}")
    print(
        f"service (SQL + sched) {median_ms(service_call)}  "
        f"= {statistics.median(service_call) / statistics.median(engine):.1f}x scheduler"
    )
    print(
        f"GraphQL over ASGI     {median_ms(http)}  "
        f"= {statistics.median(http) / statistics.median(engine):.1f}x scheduler, "
        f"{size / 1024:.0f} KiB response"
    )
    print(f"peak RSS              {rss:.0f} MiB")


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

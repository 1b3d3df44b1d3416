from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import strawberry

from booking_gateway.domain import catalog
from booking_gateway.domain.scheduling import Timeslot
from booking_gateway.graphql.catalog.types import Resource, Service
from booking_gateway.graphql.context import Context


@strawberry.type(
    description="Free starts of one local date, as parallel lists (index i of "
    "each list describes slot i): compact for long ranges."
)
class TimeslotDay:
    date: date = strawberry.field(description="Local date at the workshop.")
    starts_at: list[datetime] = strawberry.field(description="Slot starts, UTC.")
    ends_at: list[datetime] = strawberry.field(description="Slot ends (visit end), UTC.")
    local_starts_at: list[str] = strawberry.field(description="Starts, local with offset.")
    local_ends_at: list[str] = strawberry.field(description="Ends, local with offset.")
    available_spots: list[int] = strawberry.field(
        description="Per slot, the spots a booking can really get at that start: capacity, "
        "free resources of every needed type for the whole visit (buffers included) and live "
        "holds together. Booking that many succeeds; one more is refused."
    )


@strawberry.type(description="Free timeslots over a date range.")
class Timeslots:
    time_zone: str = strawberry.field(description="The workshop's IANA zone.")
    days: list[TimeslotDay] = strawberry.field(description="Dates with at least one slot.")

    @classmethod
    def from_domain(cls, time_zone: str, slots: list[Timeslot]) -> Timeslots:
        days: dict[date, TimeslotDay] = {}
        for slot in slots:
            day = days.setdefault(
                slot.local_start.date(),
                TimeslotDay(
                    date=slot.local_start.date(),
                    starts_at=[],
                    ends_at=[],
                    local_starts_at=[],
                    local_ends_at=[],
                    available_spots=[],
                ),
            )
            day.starts_at.append(slot.start)
            day.ends_at.append(slot.end)
            day.local_starts_at.append(slot.local_start.isoformat())
            day.local_ends_at.append(slot.local_end.isoformat())
            day.available_spots.append(slot.available_spots)
        return cls(time_zone=time_zone, days=list(days.values()))


@strawberry.type(description="One service of a visit, as allocated.")
class ReservedLine:
    starts_at: datetime = strawberry.field(description="UTC.")
    ends_at: datetime = strawberry.field(description="UTC.")
    service_id: strawberry.ID = strawberry.field(description="The service.")
    resource_ids: list[strawberry.ID] = strawberry.field(description="Allocated resources.")

    @strawberry.field(description="The service.")
    async def service(self, info: strawberry.Info[Context, None]) -> Service | None:
        found = await info.context.service_loader.load(self.service_id)
        ctx = info.context
        return Service.from_domain(found, ctx.languages, ctx.fallback_language) if found else None

    @strawberry.field(description="Allocated resources.")
    async def resources(self, info: strawberry.Info[Context, None]) -> list[Resource]:
        found = await info.context.resource_loader.load_many([str(r) for r in self.resource_ids])
        return [Resource.from_domain(r) for r in found if r is not None]


@strawberry.type(description="A timeslot held for a while; confirm it to book.")
class Reservation:
    id: strawberry.ID = strawberry.field(description="Reservation id.")
    status: catalog.ReservationStatus = strawberry.field(
        description="HELD until confirmed, released or expired."
    )
    workshop_id: strawberry.ID = strawberry.field(description="The workshop.")
    starts_at: datetime = strawberry.field(description="Visit start, UTC.")
    ends_at: datetime = strawberry.field(description="Visit end, UTC.")
    local_starts_at: str = strawberry.field(description="Start, workshop-local with offset.")
    expires_at: datetime = strawberry.field(description="The hold ends then (UTC).")
    spots: int = strawberry.field(description="Spots held.")
    lines: list[ReservedLine] = strawberry.field(description="Services, in visit order.")
    notes: str | None = strawberry.field(description="Notes given when reserving.")
    group_id: strawberry.ID | None = strawberry.field(
        description="Bookings' group, once confirmed."
    )

    @classmethod
    def from_domain(cls, r: catalog.Reservation, time_zone: str) -> Reservation:
        return cls(
            id=strawberry.ID(r.id),
            status=r.status,
            workshop_id=strawberry.ID(r.workshop_id),
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            local_starts_at=r.starts_at.astimezone(ZoneInfo(time_zone)).isoformat(),
            expires_at=r.expires_at,
            spots=r.spots,
            lines=[
                ReservedLine(
                    starts_at=ln.start,
                    ends_at=ln.end,
                    service_id=strawberry.ID(ln.service_id),
                    resource_ids=[strawberry.ID(x) for x in ln.resource_ids],
                )
                for ln in r.lines
            ],
            notes=r.notes,
            group_id=strawberry.ID(r.group_id) if r.group_id else None,
        )

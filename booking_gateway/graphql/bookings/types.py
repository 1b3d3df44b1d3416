from __future__ import annotations

from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

import strawberry
from strawberry.scalars import JSON

from booking_gateway.domain import models
from booking_gateway.graphql.context import Context

# Registered for their side effect: the domain enums themselves become GraphQL enums.
strawberry.enum(models.BookingStatus, description="Canonical booking status.")
strawberry.enum(
    models.Precision,
    name="AppointmentPrecision",
    description="DATE when the client sent a bare date (no time was invented), else DATETIME.",
)
strawberry.enum(models.AuditAction, description="What a write did to a booking.")


@strawberry.type(description="A workshop (branch) of the tenant.")
class Workshop:
    id: strawberry.ID = strawberry.field(description="Gateway workshop id.")
    name: str = strawberry.field(description="Display name.")
    dealer_number: str | None = strawberry.field(
        description="Dealer number (KVPS or similar) that dealer imports link by."
    )
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Copenhagen.")

    @classmethod
    def from_domain(cls, w: models.Workshop) -> Workshop:
        return cls(
            id=strawberry.ID(w.id),
            name=w.name,
            dealer_number=w.dealer_number,
            time_zone=w.time_zone,
        )


@strawberry.type(description="When the vehicle is due, in UTC and in the workshop's local time.")
class Appointment:
    precision: models.Precision = strawberry.field(
        description="DATE: only `date` is known. DATETIME: `startsAt` is an exact instant."
    )
    date: date = strawberry.field(description="Local calendar date at the workshop.")
    starts_at: datetime | None = strawberry.field(
        description="Start instant in UTC (RFC 3339); null when precision is DATE."
    )
    local_starts_at: str | None = strawberry.field(
        description="Start in the workshop's time zone with its offset, e.g. "
        "2022-08-23T15:30:00+02:00; null when precision is DATE."
    )
    time_zone: str = strawberry.field(
        description="IANA zone of the local values (the workshop's, UTC when unlinked)."
    )

    @classmethod
    def from_domain(cls, a: models.Appointment, time_zone: str) -> Appointment:
        local = a.starts_at.astimezone(ZoneInfo(time_zone)).isoformat() if a.starts_at else None
        return cls(
            precision=a.precision,
            date=a.local_date,
            starts_at=a.starts_at,
            local_starts_at=local,
            time_zone=time_zone,
        )


@strawberry.type(description="The key a dealer system uses for its booking.")
class ExternalBookingKey:
    source: str = strawberry.field(description="`bookingSource` of the import.")
    booking_id: str = strawberry.field(description="`bookingId` in the dealer system.")


@strawberry.type(description="Why the vehicle comes in.")
class BookingReason:
    key: str | None = strawberry.field(description="`reasonKey`, e.g. service.")
    text: str | None = strawberry.field(description="`reasonText`, e.g. Service.")


@strawberry.type(description="Who made a change.")
class Actor:
    subject: str = strawberry.field(description="The token's `sub`.")
    user_agent: str | None = strawberry.field(description="The request's User-Agent.")


@strawberry.type(description="One field an event changed.")
class FieldChange:
    field: str = strawberry.field(description="Field name, as in `before`/`after`.")
    old_value: JSON | None = strawberry.field(description="Value before the event.")
    new_value: JSON | None = strawberry.field(description="Value after the event.")


@strawberry.type(description="An audit-log entry: every write to a booking appends one.")
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="Increasing event id.")
    action: models.AuditAction = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When (UTC).")
    actor: Actor = strawberry.field(description="Who.")
    request_id: str = strawberry.field(description="The request that wrote it (X-Request-Id).")
    before: JSON | None = strawberry.field(description="Booking fields before; null on add.")
    after: JSON | None = strawberry.field(description="Booking fields after.")
    changes: list[FieldChange] = strawberry.field(description="Just the fields that changed.")

    @classmethod
    def from_domain(cls, e: models.AuditEvent) -> AuditEvent:
        return cls(
            id=strawberry.ID(str(e.id)),
            action=e.action,
            occurred_at=e.occurred_at,
            actor=Actor(subject=e.actor_subject, user_agent=e.user_agent),
            request_id=e.request_id,
            before=cast(JSON, e.before),
            after=cast(JSON, e.after),
            changes=[
                FieldChange(field=f, old_value=old, new_value=new)
                for f, old, new in e.changed_fields()
            ],
        )


@strawberry.type(description="A service booking.")
class Booking:
    id: strawberry.ID = strawberry.field(description="Gateway booking id.")
    status: models.BookingStatus = strawberry.field(description="Current status.")
    external_key: ExternalBookingKey | None = strawberry.field(
        description="(bookingSource, bookingId) for imported bookings."
    )
    appointment: Appointment = strawberry.field(description="When the vehicle is due.")
    vin: str | None = strawberry.field(description="Vehicle identification number.")
    dealer_number: str | None = strawberry.field(description="`bookingDealer` as sent.")
    fleet_id: str | None = strawberry.field(description="`fleetId` as sent.")
    external_workshop_id: str | None = strawberry.field(description="`workshopId` as sent.")
    reason: BookingReason = strawberry.field(description="Reason for the visit.")
    booking_created_at: datetime | None = strawberry.field(
        description="When the booking was made in the source system (UTC)."
    )
    created_at: datetime = strawberry.field(description="When the gateway stored it (UTC).")
    updated_at: datetime = strawberry.field(description="Last write (UTC).")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    revision: int = strawberry.field(description="Increases with every write.")
    workshop_id: strawberry.Private[str | None]

    @strawberry.field(description="The workshop it is linked to (by id or dealer number).")
    async def workshop(self, info: strawberry.Info[Context, None]) -> Workshop | None:
        if self.workshop_id is None:
            return None
        found = await info.context.workshop_loader.load(self.workshop_id)
        return Workshop.from_domain(found) if found else None

    @strawberry.field(description="Every write to this booking, oldest first.")
    async def history(self, info: strawberry.Info[Context, None]) -> list[AuditEvent]:
        events = await info.context.bookings.history(self.id)
        return [AuditEvent.from_domain(e) for e in events]

    @classmethod
    def from_domain(cls, b: models.Booking) -> Booking:
        key = None
        if b.source is not None and b.external_id is not None:
            key = ExternalBookingKey(source=b.source, booking_id=b.external_id)
        return cls(
            id=strawberry.ID(b.id),
            status=b.status,
            external_key=key,
            appointment=Appointment.from_domain(b.appointment, b.time_zone),
            vin=b.vin,
            dealer_number=b.dealer_number,
            fleet_id=b.fleet_id,
            external_workshop_id=b.external_workshop_id,
            reason=BookingReason(key=b.reason_key, text=b.reason_text),
            booking_created_at=b.booking_created_at,
            created_at=b.created_at,
            updated_at=b.updated_at,
            cancelled_at=b.cancelled_at,
            revision=b.revision,
            workshop_id=b.workshop_id,
        )

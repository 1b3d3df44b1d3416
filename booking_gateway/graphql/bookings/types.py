from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from datetime import date as CalendarDate
from typing import Any, cast
from zoneinfo import ZoneInfo

import strawberry
from strawberry.scalars import JSON

from booking_gateway.domain import models
from booking_gateway.domain.operations import Message
from booking_gateway.domain.status import allowed
from booking_gateway.graphql.catalog.types import Resource, Service, Workshop
from booking_gateway.graphql.context import Context

# Registered for their side effect: the domain enums themselves become GraphQL enums.


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
    local_time: str | None = strawberry.field(description="Local start time, HH:MM.")
    ends_at: datetime | None = strawberry.field(description="End instant (UTC), when known.")
    local_ends_at: str | None = strawberry.field(description="End, local with offset.")
    local_end_date: CalendarDate | None = strawberry.field(description="Local end date.")
    local_end_time: str | None = strawberry.field(description="Local end time, HH:MM.")

    @classmethod
    def from_domain(
        cls, a: models.Appointment, time_zone: str, ends_at: datetime | None = None
    ) -> Appointment:
        zone = ZoneInfo(time_zone)
        start = a.starts_at.astimezone(zone) if a.starts_at else None
        end = ends_at.astimezone(zone) if ends_at else None
        return cls(
            precision=a.precision,
            date=a.local_date,
            starts_at=a.starts_at,
            local_starts_at=start.isoformat() if start else None,
            time_zone=time_zone,
            local_time=start.strftime("%H:%M") if start else None,
            ends_at=ends_at,
            local_ends_at=end.isoformat() if end else None,
            local_end_date=end.date() if end else None,
            local_end_time=end.strftime("%H:%M") if end else None,
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
    event: strawberry.Private[models.AuditEvent]

    @strawberry.field(description="Just the fields that changed.")
    def changes(self) -> list[FieldChange]:
        # Worked out only when selected: a feed page of hundreds of events rarely asks.
        return [
            FieldChange(field=f, old_value=old, new_value=new)
            for f, old, new in self.event.changed_fields()
        ]

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
            event=e,
        )


@strawberry.type(description="A customer profile.")
class Customer:
    id: strawberry.ID = strawberry.field(description="Customer id.")
    personal_identifier: str = strawberry.field(description="External identifier.")
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    email: str | None = strawberry.field(description="E-mail.")
    phone_number: str | None = strawberry.field(description="Phone, as given.")
    date_of_birth: date | None = strawberry.field(description="Birth date, if given.")


@strawberry.type(description="The customer's contact details as kept on a booking.")
class BookingContact:
    first_name: str | None = strawberry.field(description="First name.")
    last_name: str | None = strawberry.field(description="Last name.")
    email: str | None = strawberry.field(description="E-mail address.")
    phone_number: str | None = strawberry.field(description="Phone number.")


@strawberry.type(description="The visit (BRP order) a booking belongs to.")
class Order:
    id: strawberry.ID = strawberry.field(description="The visit's group id.")
    number: int = strawberry.field(
        description="Short number of the visit, counted per tenant from 1."
    )
    preliminary: bool = strawberry.field(
        description="True while the booking waits for the workshop (PENDING or RESERVED)."
    )


@strawberry.type(description="Why a booking was cancelled or declined.")
class Cancellation:
    reason: str | None = strawberry.field(description="The reason given.")
    message_to_customer: str | None = strawberry.field(
        description="The message to the customer that went with it."
    )


@strawberry.type(description="Spots booked in one price category.")
class BookedQuantity:
    price_category_id: strawberry.ID = strawberry.field(description="Price category.")
    quantity: int = strawberry.field(description="How many.")


@strawberry.type(description="A custom field's value on a booking.")
class CustomFieldValue:
    id: strawberry.ID = strawberry.field(description="Custom field id.")
    value: str = strawberry.field(description="The value.")


@strawberry.type(description="An answer to a service's question.")
class Answer:
    question_id: strawberry.ID = strawberry.field(description="Question id.")
    answer: str = strawberry.field(description="The answer.")


@strawberry.type(description="Notification choices of a booking.")
class Notifications:
    send_email_confirmation: bool = strawberry.field(description="E-mail confirmation.")
    send_sms_confirmation: bool = strawberry.field(description="SMS confirmation.")
    send_email_reminder: bool = strawberry.field(description="E-mail reminder.")
    send_sms_reminder: bool = strawberry.field(description="SMS reminder.")


@strawberry.type(description="A person on a booking (by id, by name, or both).")
class Participant:
    id: strawberry.ID | None = strawberry.field(
        description="The participant's id on this booking (null for older entries)."
    )
    person_id: str | None = strawberry.field(description="Person id in the source system.")
    first_name: str | None = strawberry.field(description="First name.")
    last_name: str | None = strawberry.field(description="Last name.")
    name: str | None = strawberry.field(description="Free-text name.")
    role: str | None = strawberry.field(description="e.g. technician, advisor, driver.")


@strawberry.type(description="A file attached to a message.")
class MessageAttachment:
    filename: str = strawberry.field(description="File name.")
    content_type: str = strawberry.field(description="MIME type.")
    size: int = strawberry.field(description="Bytes.")
    data_base64: str = strawberry.field(description="The content, base64.")


@strawberry.type(description="A message in a booking's thread.")
class BookingMessage:
    id: strawberry.ID = strawberry.field(description="Message id.")
    author: str = strawberry.field(description="The author's token `sub`.")
    internal: bool = strawberry.field(description="True: staff only; false: to the customer.")
    body: str = strawberry.field(description="The text.")
    created_at: datetime = strawberry.field(description="When (UTC).")
    attachments: list[MessageAttachment] = strawberry.field(description="Attached files.")

    @classmethod
    def from_domain(cls, m: Message) -> BookingMessage:
        return cls(
            id=strawberry.ID(m.id),
            author=m.author_subject,
            internal=m.internal,
            body=m.body,
            created_at=m.created_at,
            attachments=[
                MessageAttachment(
                    filename=a.filename,
                    content_type=a.content_type,
                    size=a.size,
                    data_base64=a.data,
                )
                for a in m.attachments
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
    order: Order | None = strawberry.field(
        description="Its visit's order number (online bookings; null for imports)."
    )
    cancellation: Cancellation | None = strawberry.field(
        description="Reason and message of a cancellation or a declined request; null unless "
        "cancelled."
    )
    revision: int = strawberry.field(description="Increases with every write.")
    group_id: strawberry.ID | None = strawberry.field(
        description="Bookings of one visit (several services) share it."
    )
    ends_at: datetime | None = strawberry.field(description="Visit end (UTC), when known.")
    spots: int | None = strawberry.field(description="Spots booked (online bookings).")
    quantities: list[BookedQuantity] = strawberry.field(description="Per price category.")
    custom_field_values: list[CustomFieldValue] = strawberry.field(
        description="Custom field values."
    )
    answers: list[Answer] = strawberry.field(description="Answers to the service's questions.")
    registration_number: str | None = strawberry.field(description="Licence plate.")
    staff_comment: strawberry.Private[str | None]
    comment_to_customer: str | None = strawberry.field(
        description="Staff's comment to the customer (001 external message)."
    )
    customer_note: str | None = strawberry.field(
        description="The customer's note to the workshop (the reservation's notes, kept)."
    )
    notifications: Notifications | None = strawberry.field(description="Online bookings.")
    participant_rows: strawberry.Private[tuple[Mapping[str, Any], ...]]
    allowed_transitions: list[models.BookingStatus] = strawberry.field(
        description="Statuses this booking may move to now (transitionBookings)."
    )
    workshop_id: strawberry.Private[str | None]
    service_id: strawberry.Private[str | None]
    customer_id: strawberry.Private[str | None]
    resource_ids: strawberry.Private[tuple[str, ...]]
    source: strawberry.Private[models.Booking]

    @strawberry.field(
        description="Until when customer-side tokens may cancel or reschedule it (the "
        "service's cancellation deadline, else the tenant's, before the start); staff may "
        "always."
    )
    async def last_time_to_cancel(self, info: strawberry.Info[Context, None]) -> datetime:
        ctx = info.context
        service = await ctx.service_loader.load(self.service_id) if self.service_id else None
        return await ctx.bookings.last_time_to_cancel(self.source, service)

    @strawberry.field(description="Staff notes; null for customer-side tokens.")
    def internal_comment(self, info: strawberry.Info[Context, None]) -> str | None:
        return self.staff_comment if info.context.principal.is_staff else None

    @strawberry.field(description="The booked service (online bookings).")
    async def service(self, info: strawberry.Info[Context, None]) -> Service | None:
        if self.service_id is None:
            return None
        found = await info.context.service_loader.load(self.service_id)
        ctx = info.context
        return Service.from_domain(found, ctx.languages, ctx.fallback_language) if found else None

    @strawberry.field(
        description="People on the booking. Names are personal data: null for integration "
        "tokens without `customers:read`."
    )
    def participants(self, info: strawberry.Info[Context, None]) -> list[Participant]:
        personal = info.context.principal.sees_personal_data
        return [
            Participant(
                id=strawberry.ID(p["id"]) if p.get("id") else None,
                person_id=p.get("personId"),
                first_name=p.get("firstName") if personal else None,
                last_name=p.get("lastName") if personal else None,
                name=p.get("name") if personal else None,
                role=p.get("role"),
            )
            for p in self.participant_rows
        ]

    @strawberry.field(
        description="The contact details kept on this booking (given when booking, changed by "
        "updateBookingCustomerDetails; the profile stays as it is). Personal data: null for "
        "integration tokens without `customers:read`."
    )
    def customer_details(self, info: strawberry.Info[Context, None]) -> BookingContact | None:
        given = self.source.details.get("customerContact")
        if not given or not info.context.principal.sees_personal_data:
            return None
        return BookingContact(
            first_name=given.get("firstName"),
            last_name=given.get("lastName"),
            email=given.get("email"),
            phone_number=given.get("phone"),
        )

    @strawberry.field(
        description="The customer (online bookings). Personal data: null for integration "
        "tokens without `customers:read`."
    )
    async def customer(self, info: strawberry.Info[Context, None]) -> Customer | None:
        if self.customer_id is None or not info.context.principal.sees_personal_data:
            return None
        c = await info.context.customer_loader.load(self.customer_id)
        if c is None:
            return None
        return Customer(
            id=strawberry.ID(c.id),
            personal_identifier=c.personal_identifier,
            first_name=c.first_name,
            last_name=c.last_name,
            email=c.email,
            phone_number=c.phone,
            date_of_birth=c.date_of_birth,
        )

    @strawberry.field(description="Allocated resources.")
    async def resources(self, info: strawberry.Info[Context, None]) -> list[Resource]:
        found = await info.context.resource_loader.load_many(list(self.resource_ids))
        return [Resource.from_domain(r) for r in found if r is not None]

    @strawberry.field(description="The workshop it is linked to (by id or dealer number).")
    async def workshop(self, info: strawberry.Info[Context, None]) -> Workshop | None:
        if self.workshop_id is None:
            return None
        found = await info.context.workshop_loader.load(self.workshop_id)
        return Workshop.from_domain(found) if found else None

    @strawberry.field(
        description="The message thread, oldest first (customer-side tokens "
        "see messages to the customer only)."
    )
    async def messages(self, info: strawberry.Info[Context, None]) -> list[BookingMessage]:
        found = await info.context.message_loader.load(self.id)
        return [BookingMessage.from_domain(m) for m in found]

    @strawberry.field(description="Every write to this booking, oldest first.")
    async def history(self, info: strawberry.Info[Context, None]) -> list[AuditEvent]:
        events = await info.context.bookings.history(self.id)
        return [AuditEvent.from_domain(e) for e in events]

    @classmethod
    def from_domain(cls, b: models.Booking) -> Booking:
        d = b.details
        key = None
        if b.source is not None and b.external_id is not None:
            key = ExternalBookingKey(source=b.source, booking_id=b.external_id)
        return cls(
            id=strawberry.ID(b.id),
            status=b.status,
            external_key=key,
            appointment=Appointment.from_domain(b.appointment, b.time_zone, b.ends_at),
            vin=b.vin,
            dealer_number=b.dealer_number,
            fleet_id=b.fleet_id,
            external_workshop_id=b.external_workshop_id,
            reason=BookingReason(key=b.reason_key, text=b.reason_text),
            booking_created_at=b.booking_created_at,
            created_at=b.created_at,
            updated_at=b.updated_at,
            cancelled_at=b.cancelled_at,
            cancellation=_cancellation(b),
            order=_order(b),
            revision=b.revision,
            group_id=strawberry.ID(b.group_id) if b.group_id else None,
            ends_at=b.ends_at,
            spots=b.spots,
            quantities=[
                BookedQuantity(
                    price_category_id=strawberry.ID(q["priceCategoryId"]), quantity=q["quantity"]
                )
                for q in d.get("quantities", ())
            ],
            custom_field_values=[
                CustomFieldValue(id=strawberry.ID(k), value=v)
                for k, v in d.get("customFieldValues", {}).items()
            ],
            answers=[
                Answer(question_id=strawberry.ID(k), answer=v)
                for k, v in d.get("answers", {}).items()
            ],
            registration_number=d.get("registrationNumber"),
            staff_comment=d.get("internalComment"),
            comment_to_customer=d.get("commentToCustomer"),
            customer_note=d.get("customerNote"),
            notifications=_notifications(d.get("notifications")),
            participant_rows=tuple(b.participants),
            allowed_transitions=allowed(b.status),
            workshop_id=b.workshop_id,
            service_id=b.service_id,
            customer_id=b.customer_id,
            resource_ids=tuple(b.resource_ids),
            source=b,
        )


def _order(b: models.Booking) -> Order | None:
    number = b.details.get("orderNumber")
    if number is None:
        return None
    preliminary = b.status in (models.BookingStatus.PENDING, models.BookingStatus.RESERVED)
    return Order(id=strawberry.ID(b.group_key), number=int(number), preliminary=preliminary)


def _cancellation(b: models.Booking) -> Cancellation | None:
    if b.status is not models.BookingStatus.CANCELLED:
        return None
    given = b.details.get("cancellation") or {}
    return Cancellation(
        reason=given.get("reason"), message_to_customer=given.get("messageToCustomer")
    )


def _notifications(values: dict[str, bool] | None) -> Notifications | None:
    if not values:
        return None
    return Notifications(
        send_email_confirmation=values.get("sendEmailConfirmation", False),
        send_sms_confirmation=values.get("sendSmsConfirmation", False),
        send_email_reminder=values.get("sendEmailReminder", False),
        send_sms_reminder=values.get("sendSmsReminder", False),
    )

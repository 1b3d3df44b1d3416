from __future__ import annotations

from datetime import date, datetime

import strawberry

from booking_gateway.domain.booking_details import DETAIL_LIMITS, BookingDetails, CustomerInput
from booking_gateway.domain.scheduling import Placement
from booking_gateway.domain.validation import Problems
from booking_gateway.services.placement import Visit


@strawberry.input(description="A resource the customer chose (BokaMera ResourceTypeId/ResourceId).")
class RequestedResourceInput:
    resource_id: strawberry.ID = strawberry.field(description="The resource.")
    resource_type: str | None = strawberry.field(
        default=None, description="Its type, e.g. lift (checked against the resource's own)."
    )


def requested_resources(given: list[RequestedResourceInput]) -> list[tuple[str, str | None]]:
    """The chosen resources as (id, stated type); placement checks them."""
    return [(str(r.resource_id), r.resource_type) for r in given]


@strawberry.input(
    description="The customer, as given at booking. An existing profile with the "
    "same personal identifier is linked and never overwritten."
)
class BookingCustomerInput:
    personal_identifier: str = strawberry.field(description="10-48 letters and digits.")
    first_name: str = strawberry.field(description="Up to 255 characters.")
    last_name: str = strawberry.field(description="Up to 255 characters.")
    email: str | None = strawberry.field(
        default=None,
        description=f"E-mail address, up to {DETAIL_LIMITS.email} characters; required when "
        "the tenant's customerEmailRequired is on.",
    )
    phone_number: str | None = strawberry.field(
        default=None,
        description=f"Kept as text: up to {DETAIL_LIMITS.phone} digits, spaces and + ( ) . / -.",
    )
    date_of_birth: date | None = strawberry.field(default=None, description="When required.")


@strawberry.input(description="Spots booked in one price category.")
class QuantityInput:
    price_category_id: strawberry.ID = strawberry.field(description="Price category.")
    quantity: int = strawberry.field(description="Spots (or price lines) in it.")


@strawberry.input(description="A value for one custom field.")
class CustomFieldValueInput:
    id: strawberry.ID = strawberry.field(description="Custom field id.")
    value: str = strawberry.field(description="Checked against the field's definition.")


@strawberry.input(
    description="An answer: text for information questions, yes/no for screening questions."
)
class AnswerInput:
    question_id: strawberry.ID = strawberry.field(description="Question id.")
    answer: str = strawberry.field(
        description=f"The answer: up to {DETAIL_LIMITS.answer} characters, or yes/no."
    )


@strawberry.input(description="Which notifications the customer gets.")
class NotificationsInput:
    send_email_confirmation: bool = strawberry.field(default=True, description="E-mail now.")
    send_sms_confirmation: bool = strawberry.field(default=False, description="SMS now.")
    send_email_reminder: bool = strawberry.field(default=False, description="E-mail before.")
    send_sms_reminder: bool = strawberry.field(default=False, description="SMS before.")


def _notifications(n: NotificationsInput | None) -> dict[str, bool]:
    n = n or NotificationsInput()
    return {
        "sendEmailConfirmation": n.send_email_confirmation,
        "sendSmsConfirmation": n.send_sms_confirmation,
        "sendEmailReminder": n.send_email_reminder,
        "sendSmsReminder": n.send_sms_reminder,
    }


@strawberry.input(description="Hold a timeslot for the tenant's hold time (15 minutes by default).")
class ReserveTimeslotInput:
    workshop_id: strawberry.ID = strawberry.field(description="Workshop (branch).")
    service_ids: list[strawberry.ID] = strawberry.field(description="One or more services.")
    starts_at: datetime = strawberry.field(description="A start from `timeslots` (RFC 3339).")
    ends_at: datetime | None = strawberry.field(
        default=None, description="Only for a service without fixed duration."
    )
    spots: int = strawberry.field(default=1, description="numberOfReservations.")
    requested_resource_id: strawberry.ID | None = strawberry.field(
        default=None, description="A resource the customer chose."
    )
    requested_resources: list[RequestedResourceInput] = strawberry.field(
        default_factory=list,
        description="Resources the customer chose, one per resource type (BokaMera "
        "Resources): each must be of a type the services need and let customers choose.",
    )
    placement: Placement = strawberry.field(
        default=Placement.SEQUENTIAL, description="Several services: back to back or parallel."
    )
    notes: str | None = strawberry.field(default=None, description="Notes for the workshop.")


@strawberry.input(description="Details that turn a booking request into a booking.")
class BookingDetailsInput:
    customer: BookingCustomerInput | None = strawberry.field(
        default=None, description="The customer (or customerId)."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing customer."
    )
    quantities: list[QuantityInput] = strawberry.field(
        default_factory=list, description="Spots per price category."
    )
    custom_field_values: list[CustomFieldValueInput] = strawberry.field(
        default_factory=list, description="Custom field values."
    )
    answers: list[AnswerInput] = strawberry.field(
        default_factory=list, description="Answers to the services' questions."
    )
    vin: str | None = strawberry.field(default=None, description="The vehicle's VIN.")
    registration_number: str | None = strawberry.field(default=None, description="Licence plate.")
    internal_comment: str | None = strawberry.field(
        default=None, description="Never shown to the customer."
    )
    comment_to_customer: str | None = strawberry.field(
        default=None, description="Staff's comment to the customer, sent with the confirmation."
    )
    customer_note: str | None = strawberry.field(
        default=None,
        description="The customer's note to the workshop (confirmReservation: defaults to the "
        "reservation's notes).",
    )
    notifications: NotificationsInput | None = strawberry.field(
        default=None, description="Confirmation and reminder choices."
    )

    def to_domain(self) -> BookingDetails:
        customer = None
        if self.customer is not None:
            c = self.customer
            customer = CustomerInput(
                c.personal_identifier,
                c.first_name,
                c.last_name,
                c.email,
                c.phone_number,
                c.date_of_birth,
            )
        return BookingDetails(
            customer=customer,
            customer_id=self.customer_id,
            quantities=[(str(q.price_category_id), q.quantity) for q in self.quantities],
            custom_field_values=[(str(v.id), v.value) for v in self.custom_field_values],
            answers=[(str(a.question_id), a.answer) for a in self.answers],
            vin=self.vin,
            registration_number=self.registration_number,
            internal_comment=self.internal_comment,
            comment_to_customer=self.comment_to_customer,
            customer_note=self.customer_note,
            notifications=_notifications(self.notifications),
        )


@strawberry.input(description="Confirm a held reservation with the customer's details.")
class ConfirmReservationInput:
    reservation_id: strawberry.ID = strawberry.field(description="From reserveTimeslot.")
    details: BookingDetailsInput = strawberry.field(description="Customer and answers.")


@strawberry.input(description="Give a held timeslot back.")
class ReleaseReservationInput:
    reservation_id: strawberry.ID = strawberry.field(description="From reserveTimeslot.")


@strawberry.input(description="Book in one step (no hold first).")
class CreateBookingInput:
    workshop_id: strawberry.ID = strawberry.field(description="Workshop (branch).")
    service_ids: list[strawberry.ID] = strawberry.field(
        description="One or more services; several share one group id."
    )
    starts_at: datetime = strawberry.field(description="Start (RFC 3339).")
    ends_at: datetime | None = strawberry.field(
        default=None, description="Only for a service without fixed duration."
    )
    spots: int = strawberry.field(default=1, description="Spots, when no quantities are given.")
    requested_resource_id: strawberry.ID | None = strawberry.field(
        default=None, description="A resource the customer chose."
    )
    requested_resources: list[RequestedResourceInput] = strawberry.field(
        default_factory=list,
        description="Resources the customer chose, one per resource type (BokaMera "
        "Resources): each must be of a type the services need and let customers choose.",
    )
    placement: Placement = strawberry.field(
        default=Placement.SEQUENTIAL, description="Several services: back to back or parallel."
    )
    allow_booking_outside_schedules: bool = strawberry.field(
        default=False, description="Admins only: ignore opening hours (resources must be free)."
    )
    details: BookingDetailsInput = strawberry.field(description="Customer, answers, extras.")


def to_visit(
    given: ReserveTimeslotInput | CreateBookingInput, *, outside_opening_hours: bool = False
) -> Visit:
    p = Problems()
    start = p.instant("startsAt", given.starts_at)
    end = p.instant("endsAt", given.ends_at)
    p.raise_if_any()
    return Visit(
        workshop_id=given.workshop_id,
        service_ids=[str(s) for s in given.service_ids],
        start=start,
        end=end,
        spots=given.spots,
        requested_resource_id=given.requested_resource_id,
        requested_resources=requested_resources(given.requested_resources),
        placement=given.placement,
        outside_opening_hours=outside_opening_hours,
    )

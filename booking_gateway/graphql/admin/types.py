from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.domain import models
from booking_gateway.graphql.catalog.types import Workshop
from booking_gateway.graphql.errors import Error, ValidationError


@strawberry.type(description="The verified token behind this request.")
class Viewer:
    tenant: str = strawberry.field(description="Tenant the token is scoped to.")
    workshop: str | None = strawberry.field(description="Workshop restriction, if any.")
    subject: str = strawberry.field(description="The token's `sub`.")
    scopes: list[str] = strawberry.field(description="Granted scopes, sorted.")
    customer: str | None = strawberry.field(
        description="A customer token's personal identifier: it sees only that customer's "
        "bookings. Null for staff and integration tokens."
    )


@strawberry.type(description="Policies of the tenant.")
class TenantSettings:
    allowed_booking_sources: list[str] = strawberry.field(
        description="`bookingSource` values the import accepts."
    )
    one_active_booking_per_vehicle: bool = strawberry.field(
        description="When true, a vehicle may have only one active booking."
    )
    customer_changes_need_approval: bool = strawberry.field(
        description="Reschedule/cancel/notes from customer-side tokens become change requests "
        "for staff (default true)."
    )
    reservation_hold_minutes: int = strawberry.field(
        description="How long reserveTimeslot holds a slot (default 15)."
    )
    minimum_notice_minutes: int = strawberry.field(
        description="Earliest start after now for online bookings (default 60)."
    )
    booking_horizon_days: int = strawberry.field(
        description="Latest start, in days from now (default 180)."
    )
    cancellation_deadline_minutes: int = strawberry.field(
        description="Customer-side tokens may cancel or reschedule until this many minutes "
        "before the start (default 0: until the start); a service may set its own. Staff "
        "may always."
    )
    customer_email_required: bool = strawberry.field(
        description="When true, createBooking and confirmReservation with the customer's "
        "details inline need `customer.email` (BAD_USER_INPUT on that field otherwise). "
        "Default false; a tenant following the appointment API (003), whose confirmation "
        "requires an e-mail address, turns it on."
    )
    bookings_need_confirmation: bool = strawberry.field(
        description="Request and confirm: bookings by customer-side tokens start PENDING, "
        "holding their time and resources, until staff confirm (confirmBookings, optionally "
        "with an estimate or a new start) or decline them (declineBookings). A service may "
        "set its own `needsConfirmation`. Default false."
    )

    @classmethod
    def from_domain(cls, s: models.TenantSettings) -> TenantSettings:
        return cls(
            allowed_booking_sources=sorted(s.allowed_booking_sources),
            one_active_booking_per_vehicle=s.one_active_booking_per_vehicle,
            customer_changes_need_approval=s.customer_changes_need_approval,
            reservation_hold_minutes=s.reservation_hold_minutes,
            minimum_notice_minutes=s.minimum_notice_minutes,
            booking_horizon_days=s.booking_horizon_days,
            cancellation_deadline_minutes=s.cancellation_deadline_minutes,
            customer_email_required=s.customer_email_required,
            bookings_need_confirmation=s.bookings_need_confirmation,
        )


@strawberry.input(description="Policies to change; fields left out stay as they are.")
class UpdateTenantSettingsInput:
    allowed_booking_sources: list[str] | None = strawberry.field(
        default=None, description="Replaces the accepted `bookingSource` values."
    )
    one_active_booking_per_vehicle: bool | None = strawberry.field(
        default=None, description="One active booking per vehicle."
    )
    customer_changes_need_approval: bool | None = strawberry.field(
        default=None, description="Customer-side changes need staff approval."
    )
    reservation_hold_minutes: int | None = strawberry.field(
        default=None, description="Hold time of reservations, 1-120 minutes."
    )
    minimum_notice_minutes: int | None = strawberry.field(
        default=None, description="Minimum notice, 0-10080 minutes."
    )
    booking_horizon_days: int | None = strawberry.field(
        default=None, description="Booking horizon, 1-730 days."
    )
    cancellation_deadline_minutes: int | None = strawberry.field(
        default=None, description="Cancellation deadline before the start, 0-43200 minutes."
    )
    customer_email_required: bool | None = strawberry.field(
        default=None,
        description="Online bookings with inline customer details need an e-mail address "
        "(turn on for appointment-API (003) tenants).",
    )
    bookings_need_confirmation: bool | None = strawberry.field(
        default=None,
        description="Customer-side bookings start PENDING until staff confirm or decline.",
    )


@strawberry.type(description="The settings after the update.")
class UpdateTenantSettingsSuccess:
    settings: TenantSettings = strawberry.field(description="Current settings.")


UpdateTenantSettingsResult = Annotated[
    UpdateTenantSettingsSuccess | ValidationError,
    strawberry.union("UpdateTenantSettingsResult", description="Settings, or why not."),
]


@strawberry.input(description="A new workshop (branch).")
class CreateWorkshopInput:
    name: str = strawberry.field(description="Display name (<=255).")
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Copenhagen.")
    dealer_number: str | None = strawberry.field(
        default=None, description="Dealer number, unique in the tenant."
    )


@strawberry.type(description="The workshop was created.")
class CreateWorkshopSuccess:
    workshop: Workshop = strawberry.field(description="The new workshop.")


CreateWorkshopResult = Annotated[
    CreateWorkshopSuccess | ValidationError,
    strawberry.union("CreateWorkshopResult", description="The workshop, or why not."),
]

__all__ = ["Error"]

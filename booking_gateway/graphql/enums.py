"""Every domain enum the API exposes, registered once, before any type uses it (strawberry
would otherwise create a second definition of an enum it meets unregistered)."""

from __future__ import annotations

import strawberry

from booking_gateway.domain import catalog, models
from booking_gateway.domain import operations as ops
from booking_gateway.domain.scheduling import Placement
from booking_gateway.services.operations import ApplyTo

strawberry.enum(models.BookingStatus, description="Canonical booking status.")
strawberry.enum(
    models.Precision,
    name="AppointmentPrecision",
    description="DATE when the client sent a bare date (no time was invented), else DATETIME.",
)
strawberry.enum(models.AuditAction, description="What a write did to a booking.")
strawberry.enum(catalog.CustomFieldType, description="How a custom field is entered.")
strawberry.enum(catalog.ReservationStatus, description="State of a reservation (hold).")
strawberry.enum(Placement, description="How the services of one visit are placed.")
strawberry.enum(ApplyTo, description="For a group: every line, or only lines in `inState`.")
strawberry.enum(ops.ChangeKind, description="What a change request asks for.")
strawberry.enum(ops.ChangeRequestStatus, description="Where a change request stands.")

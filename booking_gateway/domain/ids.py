"""Typed identifiers, so that a booking id cannot be passed where a tenant id is expected."""

import uuid
from typing import NewType

TenantId = NewType("TenantId", str)
WorkshopId = NewType("WorkshopId", str)
BookingId = NewType("BookingId", str)
AuditEventId = NewType("AuditEventId", int)
RequestId = NewType("RequestId", str)


def new_booking_id() -> BookingId:
    return BookingId(str(uuid.uuid4()))


def new_workshop_id() -> WorkshopId:
    return WorkshopId(str(uuid.uuid4()))

"""The cancellation deadline (BokaMera ``LastTimeToUnBook``): until when a customer-side token
may cancel or reschedule a booking. Staff may always."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking_gateway.domain.errors import CancellationWindowClosed
from booking_gateway.domain.models import Booking

MAX_DEADLINE_MINUTES = 30 * 24 * 60


def deadline_minutes(service_minutes: int | None, tenant_minutes: int) -> int:
    """A service's own deadline, else the tenant's."""
    return tenant_minutes if service_minutes is None else service_minutes


def last_time_to_cancel(booking: Booking, minutes: int) -> datetime:
    """``minutes`` before the start; a booking of a date only starts at that local midnight."""
    appointment = booking.appointment
    start = appointment.starts_at or datetime.combine(
        appointment.local_date, time(0), ZoneInfo(booking.time_zone)
    )
    # In UTC: subtracting from a zoned time would count wall-clock time across a DST change.
    return start.astimezone(UTC) - timedelta(minutes=minutes)


def check_can_cancel(booking: Booking, minutes: int, now: datetime) -> None:
    """Refuse a customer-side cancel or reschedule after the deadline."""
    deadline = last_time_to_cancel(booking, minutes)
    if now > deadline:
        raise CancellationWindowClosed(booking.id, deadline)

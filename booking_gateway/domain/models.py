"""Plain value objects shared by services, repositories and the GraphQL layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from booking_gateway.domain.ids import AuditEventId, BookingId, RequestId, TenantId, WorkshopId
from booking_gateway.domain.principal import Principal

# Booking fields never shown to customer-side tokens (no ``staff``/``admin`` scope).
STAFF_ONLY = frozenset({"internalComment"})
# Booking fields holding customers' personal data: shown to staff, the customer, and
# integrations with ``customers:read`` only.
PERSONAL_DATA = frozenset({"customerContact", "participants"})

DEFAULT_BOOKING_SOURCES: frozenset[str] = frozenset(
    {"user", "dealer", "dms", "workshop", "online", "phone"}
)


class BookingStatus(StrEnum):
    RESERVED = "RESERVED"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"


class Precision(StrEnum):
    DATE = "DATE"
    DATETIME = "DATETIME"


class AuditAction(StrEnum):
    ADDED = "ADDED"
    CHANGED = "CHANGED"
    CANCELLED = "CANCELLED"
    STATUS_CHANGED = "STATUS_CHANGED"
    RESCHEDULED = "RESCHEDULED"
    MESSAGE_POSTED = "MESSAGE_POSTED"
    CHANGE_REQUESTED = "CHANGE_REQUESTED"
    CHANGE_APPROVED = "CHANGE_APPROVED"
    CHANGE_REJECTED = "CHANGE_REJECTED"


@dataclass(frozen=True, slots=True)
class Appointment:
    """When the vehicle is due. A date-only appointment has no instant, only a local date."""

    precision: Precision
    local_date: date
    starts_at: datetime | None = None  # UTC; None when precision is DATE


@dataclass(frozen=True, slots=True)
class TenantSettings:
    allowed_booking_sources: frozenset[str] = DEFAULT_BOOKING_SOURCES
    one_active_booking_per_vehicle: bool = False
    customer_changes_need_approval: bool = True
    reservation_hold_minutes: int = 15
    minimum_notice_minutes: int = 60
    booking_horizon_days: int = 180
    # Customer-side tokens may cancel or reschedule until this long before the start (BokaMera
    # LastTimeToUnBook); a service may set its own. Staff may always.
    cancellation_deadline_minutes: int = 0
    # Online bookings that give the customer inline must give an e-mail address (003-style
    # appointment tenants turn it on: their confirmation requires one).
    customer_email_required: bool = False
    # Request and confirm (MinBil): bookings by customer-side tokens start PENDING, holding
    # their time and resources until staff confirm or decline them. A service may differ.
    bookings_need_confirmation: bool = False


def vehicle_policy_since(now: datetime) -> date:
    """One active booking per vehicle counts appointments from this date on: a booking whose
    appointment date is before yesterday (UTC, so every zone's today is included) is past
    and never blocks a new one, even if nobody completed it."""
    return (now.astimezone(UTC) - timedelta(days=1)).date()


@dataclass(frozen=True, slots=True)
class Workshop:
    id: WorkshopId
    tenant_id: TenantId
    name: str
    dealer_number: str | None
    time_zone: str
    created_at: datetime
    address: Mapping[str, str] | None = None
    latitude: float | None = None
    longitude: float | None = None
    # {"0": [["08:00", "16:00"]], ...}: weekday 0 is Monday; no entry means closed.
    opening_hours: Mapping[str, list[list[str]]] = field(default_factory=dict)
    # {"2026-12-24": [["08:00", "12:00"]], "2026-12-25": []}: replaces that day's hours.
    special_days: Mapping[str, list[list[str]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Booking:
    id: BookingId
    tenant_id: TenantId
    status: BookingStatus
    appointment: Appointment
    created_at: datetime
    updated_at: datetime
    revision: int = 1
    workshop_id: WorkshopId | None = None
    time_zone: str = "UTC"  # the workshop's, used for local times
    source: str | None = None
    external_id: str | None = None
    vin: str | None = None
    dealer_number: str | None = None
    fleet_id: str | None = None
    external_workshop_id: str | None = None
    reason_key: str | None = None
    reason_text: str | None = None
    booking_created_at: datetime | None = None
    cancelled_at: datetime | None = None
    # Online bookings: one row per service line; the lines of one visit share group_id.
    group_id: str | None = None
    service_id: str | None = None
    ends_at: datetime | None = None
    spots: int | None = None
    customer_id: str | None = None
    reservation_id: str | None = None
    resource_ids: tuple[str, ...] = ()
    # quantities, customFieldValues, answers, comments, notifications, registrationNumber
    details: Mapping[str, Any] = field(default_factory=dict)
    # People on the booking: {"personId": ..., "name": ..., "role": ...}
    participants: tuple[Mapping[str, str | None], ...] = ()

    @property
    def group_key(self) -> str:
        """The visit this booking belongs to: its group, or itself."""
        return self.group_id or self.id

    @property
    def sort_at(self) -> datetime:
        """List order: the start, or local midnight of a date-only appointment, in UTC."""
        if self.appointment.starts_at is not None:
            return self.appointment.starts_at
        midnight = datetime.combine(self.appointment.local_date, time(0), ZoneInfo(self.time_zone))
        return midnight.astimezone(UTC)

    def snapshot(self) -> dict[str, Any]:
        """The business fields an audit event records before and after a write."""
        a = self.appointment
        return {
            "status": self.status.value,
            "workshopId": self.workshop_id,
            "vin": self.vin,
            "dealerNumber": self.dealer_number,
            "fleetId": self.fleet_id,
            "externalWorkshopId": self.external_workshop_id,
            "reasonKey": self.reason_key,
            "reasonText": self.reason_text,
            "appointmentPrecision": a.precision.value,
            "appointmentDate": a.local_date.isoformat(),
            "appointmentStartsAt": a.starts_at.isoformat() if a.starts_at else None,
            "bookingCreatedAt": (
                self.booking_created_at.isoformat() if self.booking_created_at else None
            ),
            **self._online_snapshot(),
            **dict(self.details),
            **({"participants": [dict(p) for p in self.participants]} if self.participants else {}),
        }

    def _online_snapshot(self) -> dict[str, Any]:
        if self.service_id is None:
            return {}
        return {
            "groupId": self.group_id,
            "serviceId": self.service_id,
            "endsAt": self.ends_at.isoformat() if self.ends_at else None,
            "spots": self.spots,
            "customerId": self.customer_id,
            "resourceIds": list(self.resource_ids),
        }


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Who and what caused a write, for the audit log."""

    request_id: RequestId
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: AuditEventId
    tenant_id: TenantId
    booking_id: BookingId
    action: AuditAction
    occurred_at: datetime
    actor_subject: str
    request_id: RequestId
    user_agent: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = field(default=None)

    def visible_to(self, principal: Principal) -> AuditEvent | None:
        """The event as ``principal`` may see it: staff-only fields only for staff, customers'
        personal data only for those who may see it (``Principal.sees_personal_data``); None
        when the whole event is staff's (an internal message)."""
        if not principal.is_staff and self.is_internal:
            return None
        hidden: set[str] = set()
        if not principal.is_staff:
            hidden |= STAFF_ONLY
        if not principal.sees_personal_data:
            hidden |= PERSONAL_DATA
        if not hidden.intersection(self.before or ()) and not hidden.intersection(self.after or ()):
            return self
        return replace(
            self,
            before={k: v for k, v in self.before.items() if k not in hidden}
            if self.before
            else self.before,
            after={k: v for k, v in self.after.items() if k not in hidden}
            if self.after
            else self.after,
        )

    @property
    def is_internal(self) -> bool:
        """Staff's own event: an internal message posted on the booking."""
        return self.action is AuditAction.MESSAGE_POSTED and bool(
            (self.after or {}).get("internal")
        )

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

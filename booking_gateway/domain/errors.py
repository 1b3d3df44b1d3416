"""Domain errors. Each carries a stable ``code`` that reaches clients as ``extensions.code``.

DomainError
├── AuthenticationError      UNAUTHENTICATED       (HTTP 401, raised before GraphQL runs)
├── PermissionDenied         FORBIDDEN
├── ValidationFailed         BAD_USER_INPUT        (.fields: [FieldProblem])
├── NotFound                 NOT_FOUND             ("not yours" answers the same)
├── DatabaseUnavailable      SERVICE_UNAVAILABLE   (retryable: pool exhausted, connection lost)
└── Conflict
    ├── BookingAlreadyExists BOOKING_ALREADY_EXISTS
    ├── BookingCancelled     BOOKING_CANCELLED
    ├── AmbiguousBookingId   AMBIGUOUS_BOOKING_ID
    ├── ActiveBookingExists  ACTIVE_BOOKING_EXISTS
    ├── CancellationWindowClosed CANCELLATION_WINDOW_CLOSED (.deadline)
    └── SourceNotAllowed     BOOKING_SOURCE_NOT_ALLOWED
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str


class DomainError(Exception):
    code: ClassVar[str] = "DOMAIN_ERROR"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class AuthenticationError(DomainError):
    code = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    code = "FORBIDDEN"


class ValidationFailed(DomainError):
    code = "BAD_USER_INPUT"

    def __init__(self, problems: list[FieldProblem]) -> None:
        summary = "; ".join(f"{p.field}: {p.message}" for p in problems)
        super().__init__(f"Invalid input: {summary}")
        self.fields = problems
        self.details = {"fields": [{"field": p.field, "message": p.message} for p in problems]}


class NotFound(DomainError):
    code = "NOT_FOUND"


class DatabaseUnavailable(DomainError):
    """The database cannot serve this request now (no free connection in time, connection
    lost, busy); nothing was written. Clients may retry."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message, retryable=True, **details)


class Conflict(DomainError):
    code = "CONFLICT"


class BookingAlreadyExists(Conflict):
    code = "BOOKING_ALREADY_EXISTS"


class BookingCancelled(Conflict):
    code = "BOOKING_CANCELLED"


class BookingClosed(Conflict):
    code = "BOOKING_CLOSED"


class AmbiguousBookingId(Conflict):
    code = "AMBIGUOUS_BOOKING_ID"


class ActiveBookingExists(Conflict):
    code = "ACTIVE_BOOKING_EXISTS"


class SourceNotAllowed(Conflict):
    code = "BOOKING_SOURCE_NOT_ALLOWED"


class SlotTaken(Conflict):
    code = "SLOT_UNAVAILABLE"

    def __init__(self, reason: str, service_id: str | None = None) -> None:
        super().__init__(
            f"The timeslot is not available ({reason.lower().replace('_', ' ')})",
            reason=reason,
            serviceId=service_id,
        )
        self.reason = reason
        self.service_id = service_id


class CancellationWindowClosed(Conflict):
    code = "CANCELLATION_WINDOW_CLOSED"

    def __init__(self, booking_id: str, deadline: datetime) -> None:
        super().__init__(
            f"Booking {booking_id} could be cancelled or rescheduled until "
            f"{deadline.isoformat()}; ask the workshop",
            lastTimeToCancel=deadline.isoformat(),
        )
        self.deadline = deadline


class ReservationExpired(Conflict):
    code = "RESERVATION_EXPIRED"


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"

    def __init__(self, booking_id: str, current: str, target: str, allowed: list[str]) -> None:
        super().__init__(
            f"Booking {booking_id} is {current}; it cannot become {target}"
            + (f" (allowed: {', '.join(allowed)})" if allowed else " (it is final)"),
            bookingId=booking_id,
            current=current,
            allowed=allowed,
        )
        self.booking_id, self.current, self.target, self.allowed = (
            booking_id,
            current,
            target,
            allowed,
        )


class RevisionMismatch(Conflict):
    code = "REVISION_MISMATCH"

    def __init__(self, booking_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"Booking {booking_id} is at revision {actual}, not {expected}: reload and retry",
            bookingId=booking_id,
            expected=expected,
            actual=actual,
        )
        self.booking_id, self.expected, self.actual = booking_id, expected, actual

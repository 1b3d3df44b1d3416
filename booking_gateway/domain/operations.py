"""Values of workshop operations: list filters and pages, messages, change requests, the
vehicle's service history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from booking_gateway.domain.models import Booking, BookingStatus

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BookingFilter:
    """001-style filters; dates are local appointment dates, both inclusive."""

    date_from: date
    date_to: date
    workshop_ids: Sequence[str] = ()
    statuses: Sequence[BookingStatus] = ()
    vin: str | None = None
    group_id: str | None = None
    resource_ids: Sequence[str] | None = None  # None: any; empty: matches nothing


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One numbered page. The total is counted only when asked for (see the services): it
    costs as much as the whole list, the page only as much as the rows up to its end."""

    items: list[T]
    page: int
    page_size: int
    has_next: bool


@dataclass(frozen=True, slots=True)
class BookingGroup:
    group_id: str
    bookings: list[Booking]


@dataclass(frozen=True, slots=True)
class Slice(Generic[T]):
    """A cursor page: ``items`` with their cursors, and whether more follow."""

    items: list[tuple[str, T]]
    has_next: bool


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    data: str  # base64
    size: int


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    booking_id: str
    author_subject: str
    internal: bool
    body: str
    created_at: datetime
    attachments: tuple[Attachment, ...] = ()


class ChangeKind(StrEnum):
    RESCHEDULE = "RESCHEDULE"
    CANCEL = "CANCEL"
    UPDATE_NOTES = "UPDATE_NOTES"


class ChangeRequestStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    id: str
    booking_id: str
    kind: ChangeKind
    payload: Mapping[str, Any]
    status: ChangeRequestStatus
    requested_by: str
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    id: str
    vin: str
    booking_id: str
    completed_at: datetime
    workshop_id: str | None = None
    service_id: str | None = None
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    """A change either applied (``bookings``) or waits for staff (``request``)."""

    bookings: list[Booking] = field(default_factory=list)
    request: ChangeRequest | None = None

"""What the workshop-operations services share: which bookings a write applies to (one
booking, or a group and which of its lines), locking them, and saving a changed booking with
its next revision and audit event.

Each operations feature has its own module: ``booking_lists`` (grouped lists and cursor
pages), ``booking_status`` (status transitions), ``change_requests`` (reschedule, cancel and
notes, applied or asked for), ``booking_participants``, ``booking_messages`` and
``service_history``. Time and resources of a moved booking come from ``placement``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from booking_gateway.domain.cancellation import deadline_minutes
from booking_gateway.domain.errors import (
    FieldProblem,
    NotFound,
    PermissionDenied,
    RevisionMismatch,
    ValidationFailed,
)
from booking_gateway.domain.models import AuditAction, Booking, RequestMeta, TenantSettings
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.services import record
from booking_gateway.services.ports import Repositories

MAX_PAGE_SIZE = 200


class ApplyTo(StrEnum):
    ALL = "ALL"
    IN_STATE = "IN_STATE"


@dataclass(frozen=True, slots=True)
class Target:
    """One booking, or every line of a group."""

    booking_id: str | None = None
    group_id: str | None = None


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise PermissionDenied("This needs the `staff` or `admin` scope", requiredScope=Scope.STAFF)


async def lock(repos: Repositories, target: Target, expected_revision: int | None) -> list[Booking]:
    """The target's bookings, locked for the caller's transaction; ``expected_revision``
    guards a single booking."""
    if (target.booking_id is None) == (target.group_id is None):
        raise ValidationFailed([FieldProblem("target", "give a bookingId or a groupId")])
    if target.booking_id is not None:
        booking = await repos.bookings.get(target.booking_id, for_update=True)
        if booking is None:
            raise NotFound(f"No booking {target.booking_id!r}")
        if expected_revision is not None and booking.revision != expected_revision:
            raise RevisionMismatch(booking.id, expected_revision, booking.revision)
        return [booking]
    assert target.group_id is not None  # noqa: S101 - checked above
    if expected_revision is not None:
        raise ValidationFailed(
            [FieldProblem("expectedRevision", "applies to one booking, not to a group")]
        )
    lines = await repos.bookings.in_groups([target.group_id], for_update=True)
    if not lines:
        raise NotFound(f"No booking group {target.group_id!r}")
    return lines


async def save(
    repos: Repositories,
    principal: Principal,
    meta: RequestMeta,
    before: Booking,
    after: Booking,
    action: AuditAction,
    now: datetime,
) -> Booking:
    """Write a changed booking (next revision, guarded by the old one) and its event."""
    saved = replace(after, updated_at=now, revision=before.revision + 1)
    await repos.bookings.update(saved, expected_revision=before.revision)
    await record(
        repos,
        principal,
        meta,
        action,
        saved,
        before=before.snapshot(),
        after=saved.snapshot(),
        now=now,
    )
    return saved


async def cancellation_minutes(
    repos: Repositories, booking: Booking, settings: TenantSettings
) -> int:
    """The booking's cancellation deadline in minutes before its start: its service's own,
    else the tenant's."""
    service = await repos.services.get(booking.service_id) if booking.service_id else None
    own = service.cancellation_deadline_minutes if service is not None else None
    return deadline_minutes(own, settings.cancellation_deadline_minutes)

"""The Connected Cars compatible import: addBooking / changeBooking / cancelBooking.

Key: (tenant, bookingSource, bookingId). Retries are safe: an identical add or change is a
no-op, a repeated cancel succeeds without a second event.

The hot path is two statements on PostgreSQL: one read (``ImportContext``: the tenant's
policies, the booking under the key and the candidate workshops) and one write that stores the
booking and its audit event together. Changes and cancels are optimistic: the write applies
only if the booking's revision is still the one read, else the push reads again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Protocol, TypeVar

from booking_gateway.domain.dealer_import import (
    KEEP,
    CancelContext,
    CheckedImport,
    ImportContext,
    ImportInput,
    ImportLookup,
    Keep,
    WorkshopLink,
    appointment_in,
    check_import,
)
from booking_gateway.domain.errors import (
    ActiveBookingExists,
    AmbiguousBookingId,
    BookingAlreadyExists,
    BookingCancelled,
    BookingClosed,
    Conflict,
    NotFound,
    PermissionDenied,
    SourceNotAllowed,
)
from booking_gateway.domain.ids import AuditEventId, new_booking_id
from booking_gateway.domain.models import (
    AuditAction,
    AuditEvent,
    Booking,
    BookingStatus,
    RequestMeta,
    TenantSettings,
)
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.status import ACTIVE
from booking_gateway.domain.validation import LIMITS, Problems
from booking_gateway.services import Clock, UnitOfWork, utc_now

__all__ = ["KEEP", "DealerImportService", "ImportInput", "Keep"]

T = TypeVar("T")

# A change or cancel that loses a race reads again; past this many rounds it gives up.
ATTEMPTS = 3


class DealerImportRepository(Protocol):
    """What the import reads and writes; the SQL one and the unit tests' fake implement it."""

    async def context(self, lookup: ImportLookup) -> ImportContext: ...

    async def cancel_context(self, external_id: str, source: str | None) -> CancelContext: ...

    async def insert(self, booking: Booking, event: AuditEvent) -> bool:
        """Store a new booking and its event; False if the key exists (nothing written)."""
        ...

    async def update(self, booking: Booking, expected_revision: int, event: AuditEvent) -> bool:
        """Store a changed booking and its event if its revision is still
        ``expected_revision``; False (nothing written) if it moved."""
        ...


def _pick(new: T | Keep, old: T) -> T:
    return old if isinstance(new, Keep) else new


class DealerImportService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        meta: RequestMeta,
        clock: Clock = utc_now,
    ) -> None:
        self._uow = uow
        self._principal = principal
        self._meta = meta
        self._clock = clock

    def _lookup(self, checked: CheckedImport, *, keep_ref: bool = False) -> ImportLookup:
        return ImportLookup(
            source=checked.source,
            external_id=checked.external_id,
            dealer=checked.dealer,
            workshop_ref=None if isinstance(checked.workshop_ref, Keep) else checked.workshop_ref,
            keep_workshop_ref=keep_ref,
            own_workshop=self._principal.workshop,
        )

    async def add(self, data: ImportInput) -> Booking:
        self._principal.require(Scope.BOOKINGS_WRITE)
        checked = check_import(data)
        now = self._clock()
        imports = self._uow.read().dealer_import
        context = await imports.context(self._lookup(checked))
        _allowed(context.settings, checked.source)
        workshop = self._resolve_workshop(context, checked.dealer)
        created_at = _pick(checked.booking_created_at, None)
        candidate = Booking(
            id=new_booking_id(),
            tenant_id=self._principal.tenant,
            status=BookingStatus.CONFIRMED,
            appointment=appointment_in(checked.appointment, _tz(workshop)),
            created_at=now,
            updated_at=now,
            workshop_id=workshop.id if workshop else None,
            time_zone=_tz(workshop),
            source=checked.source,
            external_id=checked.external_id,
            vin=checked.vin,
            dealer_number=checked.dealer,
            fleet_id=_pick(checked.fleet_id, None),
            external_workshop_id=_pick(checked.workshop_ref, None),
            reason_key=_pick(checked.reason_key, None),
            reason_text=_pick(checked.reason_text, None),
            booking_created_at=created_at or now,
        )
        if context.existing is not None:
            return _retried_add(context.existing, candidate, checked)
        event = self._event(AuditAction.ADDED, candidate, None, now)
        if context.settings.one_active_booking_per_vehicle:
            async with self._uow.begin() as repos:
                await repos.tenants.lock()
                other = await repos.bookings.active_for_vehicle(checked.vin)
                if other is not None:
                    raise _active_exists(other)
                inserted = await repos.dealer_import.insert(candidate, event)
        else:
            inserted = await imports.insert(candidate, event)
        if inserted:
            return candidate
        # A concurrent push of the same key won, or the key is another workshop's.
        existing = (await imports.context(self._lookup(checked))).existing
        if existing is None:
            raise BookingAlreadyExists(_exists_message(checked))
        return _retried_add(existing, candidate, checked)

    async def change(self, data: ImportInput) -> Booking:
        self._principal.require(Scope.BOOKINGS_WRITE)
        checked = check_import(data)
        imports = self._uow.read().dealer_import
        lookup = self._lookup(checked, keep_ref=isinstance(checked.workshop_ref, Keep))
        for _ in range(ATTEMPTS):
            context = await imports.context(lookup)
            _allowed(context.settings, checked.source)
            existing = context.existing
            if existing is None:
                raise NotFound(
                    f"No booking {checked.external_id!r} from source {checked.source!r}",
                    bookingId=checked.external_id,
                    bookingSource=checked.source,
                )
            if existing.status is BookingStatus.CANCELLED:
                raise BookingCancelled(f"Booking {checked.external_id!r} is cancelled")
            _refuse_closed(existing)
            workshop = self._resolve_workshop(context, checked.dealer)
            changed = replace(
                existing,
                workshop_id=workshop.id if workshop else None,
                time_zone=_tz(workshop),
                appointment=appointment_in(checked.appointment, _tz(workshop)),
                vin=checked.vin,
                dealer_number=checked.dealer,
                fleet_id=_pick(checked.fleet_id, existing.fleet_id),
                external_workshop_id=_pick(checked.workshop_ref, existing.external_workshop_id),
                reason_key=_pick(checked.reason_key, existing.reason_key),
                reason_text=_pick(checked.reason_text, existing.reason_text),
                booking_created_at=_pick(checked.booking_created_at, existing.booking_created_at)
                or existing.booking_created_at,
            )
            if _same_import(existing, changed):
                return existing
            now = self._clock()
            changed = replace(changed, updated_at=now, revision=existing.revision + 1)
            event = self._event(AuditAction.CHANGED, changed, existing, now)
            if context.settings.one_active_booking_per_vehicle and changed.vin != existing.vin:
                async with self._uow.begin() as repos:
                    await repos.tenants.lock()
                    other = await repos.bookings.active_for_vehicle(
                        checked.vin, exclude=existing.id
                    )
                    if other is not None:
                        raise _active_exists(other)
                    written = await repos.dealer_import.update(changed, existing.revision, event)
            else:
                written = await imports.update(changed, existing.revision, event)
            if written:
                return changed
        raise Conflict(f"Booking {checked.external_id!r} kept changing concurrently; retry")

    async def cancel(self, booking_id: str, booking_source: str | None = None) -> Booking:
        self._principal.require(Scope.BOOKINGS_WRITE)
        p = Problems()
        external_id = p.text("bookingId", booking_id, max_length=LIMITS.booking_id, required=True)
        source = p.text("bookingSource", booking_source, max_length=LIMITS.source)
        p.raise_if_any()
        assert external_id  # noqa: S101 - checked above
        imports = self._uow.read().dealer_import
        for _ in range(ATTEMPTS):
            context = await imports.cancel_context(external_id, source)
            if source is not None:
                _allowed(context.settings, source)
            matches = context.matches
            if not matches:
                raise NotFound(f"No booking {external_id!r}", bookingId=external_id)
            if len(matches) > 1:
                raise AmbiguousBookingId(
                    f"Booking id {external_id!r} exists for several sources; "
                    "send bookingSource to choose one",
                    bookingSources=[b.source for b in matches],
                )
            existing = matches[0]
            if existing.status is BookingStatus.CANCELLED:
                return existing
            _refuse_closed(existing)
            now = self._clock()
            cancelled = replace(
                existing,
                status=BookingStatus.CANCELLED,
                cancelled_at=now,
                updated_at=now,
                revision=existing.revision + 1,
            )
            event = self._event(AuditAction.CANCELLED, cancelled, existing, now)
            if await imports.update(cancelled, existing.revision, event):
                return cancelled
        raise Conflict(f"Booking {external_id!r} kept changing concurrently; retry")

    def _resolve_workshop(self, context: ImportContext, dealer: str) -> WorkshopLink | None:
        """Link by the gateway's workshop id, else by dealer number, else the token's own."""
        workshop = context.by_ref or context.by_dealer
        own = self._principal.workshop
        if own is None:
            return workshop
        if workshop is not None and workshop.id != own:
            raise PermissionDenied(
                f"Dealer {dealer!r} belongs to a workshop this token may not book for"
            )
        if workshop is None:
            workshop = context.own
            if workshop is None:
                raise PermissionDenied("The token's workshop does not exist in this tenant")
        return workshop

    def _event(
        self, action: AuditAction, booking: Booking, before: Booking | None, now: datetime
    ) -> AuditEvent:
        return AuditEvent(
            id=AuditEventId(0),  # assigned by the database
            tenant_id=self._principal.tenant,
            booking_id=booking.id,
            action=action,
            occurred_at=now,
            actor_subject=self._principal.subject,
            user_agent=self._meta.user_agent,
            request_id=self._meta.request_id,
            before=before.snapshot() if before else None,
            after=booking.snapshot(),
        )


def _allowed(settings: TenantSettings, source: str) -> None:
    if source not in settings.allowed_booking_sources:
        raise SourceNotAllowed(
            f"Booking source {source!r} is not allowed for this tenant",
            allowedSources=sorted(settings.allowed_booking_sources),
        )


def _retried_add(existing: Booking, candidate: Booking, checked: CheckedImport) -> Booking:
    """An add for a key that exists: the same data again is a no-op, anything else refused."""
    if existing.status is BookingStatus.CANCELLED:
        raise BookingCancelled(
            f"Booking {checked.external_id!r} from {checked.source!r} was cancelled; "
            "a new booking needs a new bookingId"
        )
    if isinstance(checked.booking_created_at, Keep) or checked.booking_created_at is None:
        # Defaulted to now: not part of the client's data.
        candidate = replace(candidate, booking_created_at=existing.booking_created_at)
    if _same_import(existing, candidate):
        return existing
    raise BookingAlreadyExists(_exists_message(checked))


def _same_import(a: Booking, b: Booking) -> bool:
    return a.snapshot() == b.snapshot()


def _refuse_closed(booking: Booking) -> None:
    """Work in progress and finished bookings are the workshop's now, not the importer's."""
    if booking.status not in ACTIVE or booking.status is BookingStatus.IN_PROGRESS:
        raise BookingClosed(
            f"Booking {booking.external_id!r} is {booking.status.value}; it can no longer be "
            "changed or cancelled by the import",
            status=booking.status.value,
        )


def _tz(workshop: WorkshopLink | None) -> str:
    return workshop.time_zone if workshop else "UTC"


def _exists_message(checked: CheckedImport) -> str:
    return (
        f"Booking {checked.external_id!r} from source {checked.source!r} already exists "
        "with different data; use changeBooking to change it"
    )


def _active_exists(other: Booking) -> ActiveBookingExists:
    return ActiveBookingExists(
        "This vehicle already has an active booking; the tenant allows one per vehicle",
        bookingId=other.external_id,
        bookingSource=other.source,
    )

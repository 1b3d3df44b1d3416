"""The Connected Cars compatible import: addBooking / changeBooking / cancelBooking.

Key: (tenant, bookingSource, bookingId). Retries are safe: an identical add or change is a
no-op, a repeated cancel succeeds without a second event.

The hot path on PostgreSQL: a new booking is one statement (the tenant's configuration comes
from this process's cache, and the insert applies only while that configuration is still
current); a change or cancel is one read (the booking under the key and the configuration) and
one write that stores the booking and its audit event together, applied only at the revision
read. A push that loses a race with another writer of the same booking queues behind it under
a row lock.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from booking_gateway.domain.dealer_import import (
    KEEP,
    CheckedImport,
    ImportConfig,
    ImportInput,
    ImportLookup,
    Inserted,
    InsertResult,
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
    vehicle_policy_since,
)
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.status import ACTIVE
from booking_gateway.domain.validation import LIMITS, Problems
from booking_gateway.services import Clock, UnitOfWork, utc_now
from booking_gateway.services.ports import Repositories

__all__ = ["KEEP", "DealerImportService", "ImportInput", "Keep"]

T = TypeVar("T")

# An add whose cached configuration went stale, or whose key was taken meanwhile, reads again;
# past this many rounds it gives up.
ATTEMPTS = 3


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

    def _require_importer(self) -> None:
        self._principal.require(Scope.BOOKINGS_WRITE)
        if self._principal.is_customer:
            raise PermissionDenied("Customer tokens cannot import dealer bookings")

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
        self._require_importer()
        checked = check_import(data)
        now = self._clock()
        imports = self._uow.read().dealer_import
        lookup = self._lookup(checked)
        # Usually one statement: the configuration comes from this process's cache and the
        # insert applies only while it is still current.
        config = imports.cached_config(lookup)
        cached = config is not None
        existing: Booking | None = None
        taken = False
        for _ in range(ATTEMPTS):
            if config is None:
                context = await imports.context(lookup)
                config, existing, cached = context.config, context.existing, False
                if taken and existing is None:  # the key is another workshop's
                    raise BookingAlreadyExists(_exists_message(checked))
            try:
                outcome = await self._add_with(checked, config, existing, now)
            except (PermissionDenied, Conflict):
                if not cached:
                    raise
                # Never refuse on a cached configuration: it may predate a change that
                # allows this push. Read it again and decide on the current one.
                config = None
                continue
            if isinstance(outcome, Booking):
                return outcome
            # STALE: the configuration changed meanwhile; EXISTS: read the booking of the key.
            taken = outcome is Inserted.EXISTS
            config = None
        raise Conflict(f"Booking {checked.external_id!r} kept changing concurrently; retry")

    async def _add_with(
        self,
        checked: CheckedImport,
        config: ImportConfig,
        existing: Booking | None,
        now: datetime,
    ) -> Booking | Inserted:
        """Decide and insert with this configuration: the booking answered, or why not."""
        _allowed(config.settings, checked.source)
        candidate = self._candidate(checked, self._resolve_workshop(config, checked.dealer), now)
        if existing is not None:
            return _retried_add(existing, candidate, checked)
        event = self._event(AuditAction.ADDED, candidate, None, now)
        if config.settings.one_active_booking_per_vehicle:
            outcome, existing = await self._add_one_per_vehicle(checked, candidate, event, config)
        else:
            imports = self._uow.read().dealer_import
            outcome, existing = await imports.insert(candidate, event, config.revision)
        if outcome is Inserted.INSERTED:
            return candidate
        if existing is not None:  # the key's booking, read with a current configuration
            return _retried_add(existing, candidate, checked)
        return outcome

    async def _add_one_per_vehicle(
        self, checked: CheckedImport, candidate: Booking, event: AuditEvent, config: ImportConfig
    ) -> InsertResult:
        """The tenant allows one active booking per vehicle: check and insert under the
        tenant's lock, with the configuration current under it. A booking already under the
        key (a concurrent identical push) is answered as a retry, never as the vehicle's other
        booking."""
        async with self._uow.begin() as repos:
            await repos.tenants.lock()
            if await repos.dealer_import.current_revision() != config.revision:
                return InsertResult(Inserted.STALE)
            existing = await repos.bookings.get_by_key(checked.source, checked.external_id)
            if existing is not None:
                return InsertResult(Inserted.EXISTS, existing)
            other = await repos.bookings.active_for_vehicle(
                checked.vin, since=vehicle_policy_since(candidate.created_at)
            )
            if other is not None:
                raise _active_exists(other)
            return await repos.dealer_import.insert(candidate, event, config.revision)

    def _candidate(
        self, checked: CheckedImport, workshop: WorkshopLink | None, now: datetime
    ) -> Booking:
        return Booking(
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
            booking_created_at=_pick(checked.booking_created_at, None) or now,
        )

    async def change(self, data: ImportInput) -> Booking:
        self._require_importer()
        checked = check_import(data)
        lookup = self._lookup(checked, keep_ref=isinstance(checked.workshop_ref, Keep))
        changed = await self._change_once(self._uow.read(), lookup, checked, in_transaction=False)
        if changed is not None:
            return changed
        # Another push changed this booking between our read and write: queue behind it. The
        # tenant's lock first, as every path that takes both does (the vehicle policy).
        async with self._uow.begin() as repos:
            await repos.tenants.lock()
            await repos.bookings.get_by_key(checked.source, checked.external_id, for_update=True)
            changed = await self._change_once(repos, lookup, checked, in_transaction=True)
        if changed is None:  # pragma: no cover - the row lock rules it out
            raise Conflict(f"Booking {checked.external_id!r} changed concurrently; retry")
        return changed

    async def _change_once(
        self,
        repos: Repositories,
        lookup: ImportLookup,
        checked: CheckedImport,
        *,
        in_transaction: bool,
    ) -> Booking | None:
        """Read, decide, write at the revision read; None if the booking moved meanwhile."""
        context = await repos.dealer_import.context(lookup)
        _allowed(context.config.settings, checked.source)
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
        workshop = self._resolve_workshop(context.config, checked.dealer)
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
        policy = context.config.settings.one_active_booking_per_vehicle
        if not (policy and changed.vin != existing.vin):
            written = await repos.dealer_import.update(changed, existing.revision, event)
            return changed if written else None
        async with self._transaction(repos, in_transaction) as locked:
            await locked.tenants.lock()
            other = await locked.bookings.active_for_vehicle(
                checked.vin, since=vehicle_policy_since(now), exclude=existing.id
            )
            if other is not None:
                raise _active_exists(other)
            written = await locked.dealer_import.update(changed, existing.revision, event)
        return changed if written else None

    def _transaction(
        self, repos: Repositories, in_transaction: bool
    ) -> AbstractAsyncContextManager[Repositories]:
        """The caller's transaction if it has one, else a new one."""
        return nullcontext(repos) if in_transaction else self._uow.begin()

    async def cancel(self, booking_id: str, booking_source: str | None = None) -> Booking:
        self._require_importer()
        p = Problems()
        external_id = p.text("bookingId", booking_id, max_length=LIMITS.booking_id, required=True)
        source = p.text("bookingSource", booking_source, max_length=LIMITS.source)
        p.raise_if_any()
        assert external_id  # noqa: S101 - checked above
        cancelled = await self._cancel_once(self._uow.read(), external_id, source)
        if cancelled is not None:
            return cancelled
        # Another push changed this booking between our read and write: queue behind it.
        async with self._uow.begin() as repos:
            await repos.bookings.find_by_external_id(external_id, source, for_update=True)
            cancelled = await self._cancel_once(repos, external_id, source)
        if cancelled is None:  # pragma: no cover - the row lock rules it out
            raise Conflict(f"Booking {external_id!r} changed concurrently; retry")
        return cancelled

    async def _cancel_once(
        self, repos: Repositories, external_id: str, source: str | None
    ) -> Booking | None:
        """Read, decide, write at the revision read; None if the booking moved meanwhile."""
        context = await repos.dealer_import.cancel_context(external_id, source)
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
        written = await repos.dealer_import.update(cancelled, existing.revision, event)
        return cancelled if written else None

    def _resolve_workshop(self, config: ImportConfig, dealer: str) -> WorkshopLink | None:
        """Link by the gateway's workshop id, else by dealer number, else the token's own."""
        workshop = config.by_ref or config.by_dealer
        own = self._principal.workshop
        if own is None:
            return workshop
        if workshop is not None and workshop.id != own:
            raise PermissionDenied(
                f"Dealer {dealer!r} belongs to a workshop this token may not book for"
            )
        if workshop is None:
            workshop = config.own
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

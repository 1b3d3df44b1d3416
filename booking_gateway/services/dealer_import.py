"""The Connected Cars compatible import: addBooking / changeBooking / cancelBooking.

Key: (tenant, bookingSource, bookingId). Retries are safe: an identical add or change is a
no-op, a repeated cancel succeeds without a second event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from booking_gateway.db.unit_of_work import Repositories
from booking_gateway.domain.errors import (
    ActiveBookingExists,
    AmbiguousBookingId,
    BookingAlreadyExists,
    BookingCancelled,
    BookingClosed,
    NotFound,
    PermissionDenied,
    SourceNotAllowed,
)
from booking_gateway.domain.ids import new_booking_id
from booking_gateway.domain.models import (
    Appointment,
    AuditAction,
    Booking,
    BookingStatus,
    Precision,
    RequestMeta,
    Workshop,
)
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.status import ACTIVE
from booking_gateway.domain.validation import LIMITS, Problems
from booking_gateway.services import UnitOfWork, record, utc_now


class Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep()
"""An optional field the client left out of a change: keep the stored value."""


@dataclass(frozen=True, slots=True)
class ImportInput:
    """The wire input, as sent. Optional fields may be KEEP (omitted) on a change."""

    booking_source: str
    booking_id: str
    booking_dealer: str
    vin: str
    appointment_date: str
    reason_key: str | Keep | None = None
    reason_text: str | Keep | None = None
    fleet_id: str | Keep | None = None
    workshop_id: str | Keep | None = None
    booking_created_at: str | Keep | None = None


@dataclass(frozen=True, slots=True)
class _Checked:
    source: str
    external_id: str
    dealer: str
    vin: str
    appointment: date | datetime
    reason_key: str | Keep | None
    reason_text: str | Keep | None
    fleet_id: str | Keep | None
    workshop_ref: str | Keep | None
    booking_created_at: datetime | Keep | None


def _check(data: ImportInput) -> _Checked:
    p = Problems()

    def optional(field: str, value: str | Keep | None, max_length: int) -> str | Keep | None:
        return value if isinstance(value, Keep) else p.text(field, value, max_length=max_length)

    source = p.text("bookingSource", data.booking_source, max_length=LIMITS.source, required=True)
    external_id = p.text("bookingId", data.booking_id, max_length=LIMITS.booking_id, required=True)
    dealer = p.text("bookingDealer", data.booking_dealer, max_length=LIMITS.dealer, required=True)
    vin = p.vin("vin", data.vin)
    appointment_text = p.text(
        "appointmentDate", data.appointment_date, max_length=64, required=True
    )
    appointment = (
        p.date_or_timestamp("appointmentDate", appointment_text) if appointment_text else None
    )
    created_text = optional("bookingCreatedAt", data.booking_created_at, 64)
    created: datetime | Keep | None = created_text if isinstance(created_text, Keep) else None
    if isinstance(created_text, str):
        created = p.timestamp("bookingCreatedAt", created_text)
    checked = {
        "reason_key": optional("reasonKey", data.reason_key, LIMITS.reason_key),
        "reason_text": optional("reasonText", data.reason_text, LIMITS.reason_text),
        "fleet_id": optional("fleetId", data.fleet_id, LIMITS.external_ref),
        "workshop_ref": optional("workshopId", data.workshop_id, LIMITS.external_ref),
    }
    p.raise_if_any()
    if not (source and external_id and dealer and vin and appointment):  # pragma: no cover
        raise AssertionError("validated above")
    return _Checked(
        source=source,
        external_id=external_id,
        dealer=dealer,
        vin=vin,
        appointment=appointment,
        booking_created_at=created,
        **checked,
    )


def _appointment(value: date | datetime, time_zone: str) -> Appointment:
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(time_zone))
        return Appointment(Precision.DATETIME, local.date(), value)
    return Appointment(Precision.DATE, value, None)


def _pick(new: Any, old: Any) -> Any:
    return old if isinstance(new, Keep) else new


def _same_import(a: Booking, b: Booking) -> bool:
    return a.snapshot() == b.snapshot()


class DealerImportService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        meta: RequestMeta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._uow = uow
        self._principal = principal
        self._meta = meta
        self._clock = clock

    async def add(self, data: ImportInput) -> Booking:
        self._principal.require(Scope.BOOKINGS_WRITE)
        checked = _check(data)
        now = self._clock()
        async with self._uow.begin() as repos:
            settings = await self._allowed(repos, checked.source)
            workshop = await self._resolve_workshop(
                repos, _pick(checked.workshop_ref, None), checked.dealer
            )
            created_at = _pick(checked.booking_created_at, None)
            candidate = Booking(
                id=new_booking_id(),
                tenant_id=self._principal.tenant,
                status=BookingStatus.CONFIRMED,
                appointment=_appointment(checked.appointment, _tz(workshop)),
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
            if settings.one_active_booking_per_vehicle:
                await repos.tenants.lock()
                existing = await repos.bookings.get_by_key(checked.source, checked.external_id)
                other = await repos.bookings.active_for_vehicle(
                    checked.vin, exclude=existing.id if existing else None
                )
                if other is not None:
                    raise _active_exists(other)
            if await repos.bookings.insert_if_absent(candidate):
                await self._audit(repos, candidate, AuditAction.ADDED, None, candidate, now)
                return candidate
            existing = await repos.bookings.get_by_key(checked.source, checked.external_id)
            if existing is None:  # the key belongs to a workshop this token cannot see
                raise BookingAlreadyExists(_exists_message(checked))
            if existing.status is BookingStatus.CANCELLED:
                raise BookingCancelled(
                    f"Booking {checked.external_id!r} from {checked.source!r} was cancelled; "
                    "a new booking needs a new bookingId"
                )
            if created_at is None:  # defaulted to now: not part of the client's data
                candidate = replace(candidate, booking_created_at=existing.booking_created_at)
            if _same_import(existing, candidate):
                return existing
            raise BookingAlreadyExists(_exists_message(checked))

    async def change(self, data: ImportInput) -> Booking:
        self._principal.require(Scope.BOOKINGS_WRITE)
        checked = _check(data)
        now = self._clock()
        async with self._uow.begin() as repos:
            settings = await self._allowed(repos, checked.source)
            existing = await repos.bookings.get_by_key(
                checked.source, checked.external_id, for_update=True
            )
            if existing is None:
                raise NotFound(
                    f"No booking {checked.external_id!r} from source {checked.source!r}",
                    bookingId=checked.external_id,
                    bookingSource=checked.source,
                )
            if existing.status is BookingStatus.CANCELLED:
                raise BookingCancelled(f"Booking {checked.external_id!r} is cancelled")
            _refuse_closed(existing)
            workshop_ref = _pick(checked.workshop_ref, existing.external_workshop_id)
            workshop = await self._resolve_workshop(repos, workshop_ref, checked.dealer)
            changed = replace(
                existing,
                workshop_id=workshop.id if workshop else None,
                time_zone=_tz(workshop),
                appointment=_appointment(checked.appointment, _tz(workshop)),
                vin=checked.vin,
                dealer_number=checked.dealer,
                fleet_id=_pick(checked.fleet_id, existing.fleet_id),
                external_workshop_id=workshop_ref,
                reason_key=_pick(checked.reason_key, existing.reason_key),
                reason_text=_pick(checked.reason_text, existing.reason_text),
                booking_created_at=_pick(checked.booking_created_at, existing.booking_created_at)
                or existing.booking_created_at,
            )
            if _same_import(existing, changed):
                return existing
            if settings.one_active_booking_per_vehicle and changed.vin != existing.vin:
                await repos.tenants.lock()
                other = await repos.bookings.active_for_vehicle(checked.vin, exclude=existing.id)
                if other is not None:
                    raise _active_exists(other)
            changed = replace(changed, updated_at=now, revision=existing.revision + 1)
            await repos.bookings.update(changed, expected_revision=existing.revision)
            await self._audit(repos, changed, AuditAction.CHANGED, existing, changed, now)
            return changed

    async def cancel(self, booking_id: str, booking_source: str | None = None) -> Booking:
        self._principal.require(Scope.BOOKINGS_WRITE)
        p = Problems()
        external_id = p.text("bookingId", booking_id, max_length=LIMITS.booking_id, required=True)
        source = p.text("bookingSource", booking_source, max_length=LIMITS.source)
        p.raise_if_any()
        assert external_id  # noqa: S101 - checked above
        now = self._clock()
        async with self._uow.begin() as repos:
            if source is not None:
                await self._allowed(repos, source)
            matches = await repos.bookings.find_by_external_id(external_id, source, for_update=True)
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
            cancelled = replace(
                existing,
                status=BookingStatus.CANCELLED,
                cancelled_at=now,
                updated_at=now,
                revision=existing.revision + 1,
            )
            await repos.bookings.update(cancelled, expected_revision=existing.revision)
            await self._audit(repos, cancelled, AuditAction.CANCELLED, existing, cancelled, now)
            return cancelled

    async def _allowed(self, repos: Repositories, source: str) -> Any:
        settings = await repos.tenants.settings()
        if source not in settings.allowed_booking_sources:
            raise SourceNotAllowed(
                f"Booking source {source!r} is not allowed for this tenant",
                allowedSources=sorted(settings.allowed_booking_sources),
            )
        return settings

    async def _resolve_workshop(
        self, repos: Repositories, workshop_ref: str | None, dealer: str
    ) -> Workshop | None:
        """Link by the gateway's workshop id, else by dealer number, else the token's own."""
        workshop = await repos.workshops.get(workshop_ref) if workshop_ref else None
        if workshop is None:
            workshop = await repos.workshops.by_dealer_number(dealer)
        own = self._principal.workshop
        if own is None:
            return workshop
        if workshop is not None and workshop.id != own:
            raise PermissionDenied(
                f"Dealer {dealer!r} belongs to a workshop this token may not book for"
            )
        if workshop is None:
            workshop = await repos.workshops.get(own)
            if workshop is None:
                raise PermissionDenied("The token's workshop does not exist in this tenant")
        return workshop

    async def _audit(
        self,
        repos: Repositories,
        booking: Booking,
        action: AuditAction,
        before: Booking | None,
        after: Booking,
        now: datetime,
    ) -> None:
        await record(
            repos,
            self._principal,
            self._meta,
            action,
            booking,
            before=before.snapshot() if before else None,
            after=after.snapshot(),
            now=now,
        )


def _refuse_closed(booking: Booking) -> None:
    """Work in progress and finished bookings are the workshop's now, not the importer's."""
    if booking.status not in ACTIVE or booking.status is BookingStatus.IN_PROGRESS:
        raise BookingClosed(
            f"Booking {booking.external_id!r} is {booking.status.value}; it can no longer be "
            "changed or cancelled by the import",
            status=booking.status.value,
        )


def _tz(workshop: Workshop | None) -> str:
    return workshop.time_zone if workshop else "UTC"


def _exists_message(checked: _Checked) -> str:
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

"""The customer's contact details kept on a booking (003 "update customer details on an
appointment"): staff, or the customer themself, change them on the booking's whole visit.
The customer's profile is never overwritten by it; every change is audited."""

from __future__ import annotations

from dataclasses import replace

from booking_gateway.domain.booking_details import ContactChange, check_contact
from booking_gateway.domain.errors import PermissionDenied
from booking_gateway.domain.models import AuditAction, Booking, RequestMeta
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.validation import Problems
from booking_gateway.services import Clock, UnitOfWork, utc_now
from booking_gateway.services.operations import Target, lock, save


class BookingContactService:
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

    async def update(
        self, booking_id: str, change: ContactChange, expected_revision: int | None
    ) -> list[Booking]:
        """Change the given contact fields on every line of the booking's visit (a field left
        out stays; an empty e-mail or phone is cleared)."""
        self._principal.require(Scope.BOOKINGS_WRITE)
        if not (self._principal.is_staff or self._principal.is_customer):
            raise PermissionDenied("Staff or the customer themself change contact details")
        p = Problems()
        changes = check_contact(p, change)
        p.raise_if_any()
        now = self._clock()
        async with self._uow.begin() as repos:
            [booking] = await lock(repos, Target(booking_id=booking_id), expected_revision)
            lines = [booking]
            if booking.group_id is not None:
                lines = await repos.bookings.in_groups([booking.group_key], for_update=True)
            saved = []
            for line in lines:
                contact = {**(line.details.get("customerContact") or {}), **changes}
                details = {
                    **line.details,
                    "customerContact": {k: v for k, v in contact.items() if v is not None},
                }
                after = replace(line, details=details)
                if after == line:
                    saved.append(line)
                    continue
                saved.append(
                    await save(
                        repos, self._principal, self._meta, line, after, AuditAction.CHANGED, now
                    )
                )
            saved.sort(key=lambda b: b.id != booking.id)
            return saved

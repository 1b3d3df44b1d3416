"""Booking status: staff move one booking, or a whole group (every line or only those in one
state), along the status machine (domain.status), atomically. Cancelling records the reason,
leaving the active states releases time and resources, confirming with an estimate re-places
the booking (services.placement), completing writes the vehicle's service history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from booking_gateway.domain.errors import InvalidTransition
from booking_gateway.domain.models import AuditAction, Booking, BookingStatus, RequestMeta
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.status import ACTIVE, TRANSITIONS, allowed
from booking_gateway.domain.validation import Problems
from booking_gateway.services import Clock, UnitOfWork, utc_now
from booking_gateway.services.operations import ApplyTo, Target, lock, require_staff, save
from booking_gateway.services.placement import PlacementService
from booking_gateway.services.ports import Repositories
from booking_gateway.services.service_history import record_completion


@dataclass(frozen=True, slots=True)
class TransitionInput:
    target: Target
    to: BookingStatus
    apply_to: ApplyTo = ApplyTo.ALL
    in_state: BookingStatus | None = None
    expected_revision: int | None = None
    reason: str | None = None
    message_to_customer: str | None = None
    duration_minutes: int | None = None
    summary: str | None = None


class BookingStatusService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        meta: RequestMeta,
        placement: PlacementService,
        clock: Clock = utc_now,
    ) -> None:
        self._uow = uow
        self._principal = principal
        self._meta = meta
        self._placement = placement
        self._clock = clock

    async def transition(self, data: TransitionInput) -> list[Booking]:
        """Move one booking, or a group (all lines, or only those in ``in_state``), to
        ``to``, atomically. Lines already in ``to`` are left as they are, except that a
        confirmation with ``duration_minutes`` re-estimates a confirmed booking's end."""
        self._principal.require(Scope.BOOKINGS_WRITE)
        require_staff(self._principal)
        p = Problems()
        reason = p.text("reason", data.reason, max_length=1000)
        message = p.text("messageToCustomer", data.message_to_customer, max_length=4000)
        summary = p.text("summary", data.summary, max_length=1000)
        if data.apply_to is ApplyTo.IN_STATE and data.in_state is None:
            p.add("inState", "is required with applyTo IN_STATE")
        if data.duration_minutes is not None and not 1 <= data.duration_minutes <= 24 * 60:
            p.add("durationMinutes", "must be between 1 and 1440")
        p.raise_if_any()
        now = self._clock()
        async with self._uow.begin() as repos:
            lines = await lock(repos, data.target, data.expected_revision)
            if data.apply_to is ApplyTo.IN_STATE:
                lines = [b for b in lines if b.status is data.in_state]
            changed = []
            for booking in lines:
                new_duration = data.to is BookingStatus.CONFIRMED and data.duration_minutes
                if booking.status is data.to and not new_duration:
                    continue
                if booking.status is not data.to and data.to not in TRANSITIONS[booking.status]:
                    raise InvalidTransition(
                        booking.id,
                        booking.status.value,
                        data.to.value,
                        [s.value for s in allowed(booking.status)],
                    )
                changed.append(
                    await self.change(
                        repos,
                        booking,
                        data.to,
                        now,
                        reason=reason,
                        message=message,
                        summary=summary,
                        duration_minutes=data.duration_minutes,
                    )
                )
            return changed or lines

    async def change(
        self,
        repos: Repositories,
        booking: Booking,
        to: BookingStatus,
        now: datetime,
        *,
        reason: str | None = None,
        message: str | None = None,
        summary: str | None = None,
        duration_minutes: int | None = None,
    ) -> Booking:
        """Give one locked booking the status ``to`` inside the caller's transaction (the
        caller has checked that the status machine allows it), and save it."""
        details = dict(booking.details)
        changed = replace(booking, status=to)
        if to is BookingStatus.CANCELLED:
            details["cancellation"] = {
                k: v for k, v in {"reason": reason, "messageToCustomer": message}.items() if v
            }
            changed = replace(changed, cancelled_at=now)
        if to not in ACTIVE:
            await repos.allocations.release_bookings([booking.id])
        if to is BookingStatus.CONFIRMED and duration_minutes and booking.appointment.starts_at:
            estimate = timedelta(minutes=duration_minutes)
            changed = await self._placement.set_duration(repos, changed, estimate, now)
            details["estimatedDurationMinutes"] = duration_minutes
        if to is BookingStatus.COMPLETED:
            await record_completion(repos, booking, summary, now)
        action = (
            AuditAction.CANCELLED if to is BookingStatus.CANCELLED else AuditAction.STATUS_CHANGED
        )
        after = replace(changed, details=details)
        return await save(repos, self._principal, self._meta, booking, after, action, now)

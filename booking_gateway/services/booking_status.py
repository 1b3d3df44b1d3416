"""Booking status: staff move one booking, or a whole group (every line or only those in one
state), along the status machine (domain.status), atomically. Cancelling records the reason,
leaving the active states releases time and resources, confirming with an estimate re-places
the booking (services.placement), completing writes the vehicle's service history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from booking_gateway.domain.errors import FieldProblem, InvalidTransition, ValidationFailed
from booking_gateway.domain.models import AuditAction, Booking, BookingStatus, RequestMeta
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.status import ACTIVE, TRANSITIONS, allowed
from booking_gateway.domain.validation import Problems
from booking_gateway.services import Clock, UnitOfWork, utc_now
from booking_gateway.services.operations import ApplyTo, Target, lock, require_staff, save
from booking_gateway.services.placement import Moved, PlacementService
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
    duration_minutes: int | None = None  # confirming one line: staff's estimate
    starts_at: datetime | None = None  # confirming: the visit's new start (of the named line)
    only_from: BookingStatus | None = None  # declining: every line must be in this state
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
        if data.duration_minutes is not None:
            if not 1 <= data.duration_minutes <= 24 * 60:
                p.add("durationMinutes", "must be between 1 and 1440")
            if data.target.group_id is not None:
                p.add("durationMinutes", "estimates one line: target its bookingId")
        if (data.duration_minutes or data.starts_at) and data.to is not BookingStatus.CONFIRMED:
            p.add("durationMinutes" if data.duration_minutes else "startsAt", "only on confirming")
        if data.starts_at is not None:
            p.instant("startsAt", data.starts_at)
        p.raise_if_any()
        now = self._clock()
        async with self._uow.begin() as repos:
            lines = await lock(repos, data.target, data.expected_revision)
            moved: list[Moved] = []
            if data.duration_minutes or data.starts_at:
                moved = await self._replace_visit(repos, data, lines, now)
            placed = {after.id: after for _, after in moved}
            if data.apply_to is ApplyTo.IN_STATE:
                lines = [b for b in lines if b.status is data.in_state]
            changed = []
            for booking in lines:
                if booking.status is data.to and booking.id not in placed:
                    continue  # already there (a declined line of a group, say)
                if data.only_from is not None and booking.status is not data.only_from:
                    raise InvalidTransition(
                        booking.id,
                        booking.status.value,
                        data.to.value,
                        [s.value for s in allowed(booking.status)],
                    )
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
                        placed=placed.pop(booking.id, None),
                        duration_minutes=data.duration_minutes,
                    )
                )
            for before, after in moved:
                if after.id in placed:  # lines of the visit outside the target, moved along
                    changed.append(
                        await save(
                            repos,
                            self._principal,
                            self._meta,
                            before,
                            after,
                            AuditAction.RESCHEDULED,
                            now,
                        )
                    )
            return changed or lines

    async def _replace_visit(
        self, repos: Repositories, data: TransitionInput, lines: list[Booking], now: datetime
    ) -> list[Moved]:
        """Confirming with an estimate or a new start re-places the whole visit together
        (services.placement.replace_visit); the lines re-placed, before and after."""
        dated = [b for b in lines if b.appointment.starts_at is not None]
        if not dated:
            raise ValidationFailed(
                [FieldProblem("target", "has no start time to move or estimate")]
            )
        named = min(dated, key=lambda b: (b.appointment.starts_at, b.id))
        if data.target.booking_id is not None:
            named = lines[0]
        start = named.appointment.starts_at
        if start is None:
            raise ValidationFailed([FieldProblem("target", "has no start time to move")])
        visit = lines
        if data.target.booking_id is not None and named.service_id is not None:
            visit = await repos.bookings.in_groups([named.group_key], for_update=True)
        durations: dict[str, timedelta] = {}
        if data.duration_minutes:
            durations[named.id] = timedelta(minutes=data.duration_minutes)
        return await self._placement.replace_visit(
            repos,
            visit,
            now,
            shift=(data.starts_at - start) if data.starts_at else timedelta(0),
            durations=durations,
        )

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
        placed: Booking | None = None,
        duration_minutes: int | None = None,
    ) -> Booking:
        """Give one locked booking the status ``to`` inside the caller's transaction (the
        caller has checked that the status machine allows it), and save it. ``placed``: the
        booking as re-placed by a confirmation with an estimate or a new start."""
        details = dict(booking.details)
        changed = replace(placed or booking, status=to)
        if to is BookingStatus.CANCELLED:
            details["cancellation"] = {
                k: v for k, v in {"reason": reason, "messageToCustomer": message}.items() if v
            }
            changed = replace(changed, cancelled_at=now)
        if to not in ACTIVE:
            await repos.allocations.release_bookings([booking.id])
        if placed is not None and duration_minutes:
            details["estimatedDurationMinutes"] = duration_minutes
        if to is BookingStatus.COMPLETED:
            await record_completion(repos, booking, summary, now)
        action = (
            AuditAction.CANCELLED if to is BookingStatus.CANCELLED else AuditAction.STATUS_CHANGED
        )
        after = replace(changed, details=details)
        return await save(repos, self._principal, self._meta, booking, after, action, now)

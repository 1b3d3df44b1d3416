"""Changes a customer may ask for: reschedule, cancel, notes. Staff changes apply at once; a
customer-side token's change applies at once too unless the tenant's policy says customer
changes need approval, when it becomes a change request that staff approve (applying it,
atomically) or reject. Staff page through the requests."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from booking_gateway.domain.cancellation import check_can_cancel
from booking_gateway.domain.errors import (
    Conflict,
    FieldProblem,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from booking_gateway.domain.models import AuditAction, Booking, BookingStatus, RequestMeta
from booking_gateway.domain.operations import (
    ChangeKind,
    ChangeOutcome,
    ChangeRequest,
    ChangeRequestStatus,
    Page,
)
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.status import ACTIVE, TRANSITIONS, allowed
from booking_gateway.domain.validation import Problems
from booking_gateway.services import Clock, UnitOfWork, record, utc_now
from booking_gateway.services.booking_status import BookingStatusService, TransitionInput
from booking_gateway.services.operations import (
    MAX_PAGE_SIZE,
    Target,
    cancellation_minutes,
    lock,
    require_staff,
    save,
)
from booking_gateway.services.placement import PlacementService
from booking_gateway.services.ports import Repositories

# The notes on a booking: staff's two, and the customer's note to the workshop.
STAFF_NOTES = frozenset({"internalComment", "commentToCustomer"})
NOTES = ("internalComment", "commentToCustomer", "customerNote")

# Customer-side tokens may do (or ask for) these only until the booking's cancellation deadline.
_BEFORE_DEADLINE = frozenset({ChangeKind.CANCEL, ChangeKind.RESCHEDULE})


class ChangeRequestService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        meta: RequestMeta,
        status: BookingStatusService,
        placement: PlacementService,
        clock: Clock = utc_now,
    ) -> None:
        self._uow = uow
        self._principal = principal
        self._meta = meta
        self._status = status
        self._placement = placement
        self._clock = clock

    async def page(
        self, status: ChangeRequestStatus | None, page: int, page_size: int
    ) -> Page[ChangeRequest]:
        require_staff(self._principal)
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationFailed(
                [FieldProblem("pageSize", f"page >= 1, pageSize 1-{MAX_PAGE_SIZE}")]
            )
        items, has_next = await self._uow.read().change_requests.page(
            status, (page - 1) * page_size, page_size
        )
        return Page(items=items, page=page, page_size=page_size, has_next=has_next)

    async def count(self, status: ChangeRequestStatus | None) -> int:
        """The requests with ``status`` (any: None) on all pages; read only when asked for."""
        require_staff(self._principal)
        return await self._uow.read().change_requests.count(status)

    async def reschedule(
        self, booking_id: str, start: datetime, expected_revision: int | None
    ) -> ChangeOutcome:
        self._principal.require(Scope.BOOKINGS_WRITE)
        p = Problems()
        p.instant("startsAt", start)
        p.raise_if_any()
        payload = {"startsAt": start.isoformat()}
        return await self._change(booking_id, ChangeKind.RESCHEDULE, payload, expected_revision)

    async def cancel(
        self,
        target: Target,
        reason: str | None,
        message: str | None,
        expected_revision: int | None,
    ) -> ChangeOutcome:
        """Staff cancel a booking or a group; a customer-side token cancels one booking,
        possibly as a change request."""
        self._principal.require(Scope.BOOKINGS_WRITE)
        if self._principal.is_staff or target.group_id is not None:
            return ChangeOutcome(
                bookings=await self._status.transition(
                    TransitionInput(
                        target=target,
                        to=BookingStatus.CANCELLED,
                        reason=reason,
                        message_to_customer=message,
                        expected_revision=expected_revision,
                    )
                )
            )
        if target.booking_id is None:
            raise ValidationFailed([FieldProblem("target", "give a bookingId or a groupId")])
        booking_id = target.booking_id
        p = Problems()
        payload = {
            "reason": p.text("reason", reason, max_length=1000),
            "messageToCustomer": p.text("messageToCustomer", message, max_length=4000),
        }
        p.raise_if_any()
        return await self._change(booking_id, ChangeKind.CANCEL, payload, expected_revision)

    async def update_notes(
        self,
        booking_id: str,
        notes: Mapping[str, str | None],
        expected_revision: int | None,
    ) -> ChangeOutcome:
        """Change the booking's notes: ``internalComment`` and ``commentToCustomer`` are
        staff's, ``customerNote`` is the customer's note to the workshop. A note left out (None)
        stays as it is; an empty one is cleared."""
        self._principal.require(Scope.BOOKINGS_WRITE)
        given = {key: value for key, value in notes.items() if value is not None}
        if not self._principal.is_staff and STAFF_NOTES.intersection(given):
            raise PermissionDenied(
                "Only staff write internalComment and commentToCustomer; write customerNote"
            )
        p = Problems()
        if not given:
            p.add("customerNote", "give at least one note (an empty one clears it)")
        payload = {key: p.text(key, value, max_length=4000) or "" for key, value in given.items()}
        p.raise_if_any()
        return await self._change(booking_id, ChangeKind.UPDATE_NOTES, payload, expected_revision)

    async def decide(
        self, request_id: str, approve: bool, note: str | None
    ) -> tuple[ChangeRequest, Booking | None]:
        """Approve (apply the change, atomically) or reject a pending change request."""
        self._principal.require(Scope.BOOKINGS_WRITE)
        require_staff(self._principal)
        p = Problems()
        clean_note = p.text("note", note, max_length=2000)
        p.raise_if_any()
        now = self._clock()
        async with self._uow.begin() as repos:
            request = await repos.change_requests.get(request_id, for_update=True)
            if request is None:
                raise NotFound(f"No change request {request_id!r}")
            if request.status is not ChangeRequestStatus.PENDING:
                raise Conflict(f"Change request {request_id} is already {request.status.value}")
            [booking] = await lock(repos, Target(booking_id=request.booking_id), None)
            decided = replace(
                request,
                status=ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED,
                decided_by=self._principal.subject,
                decided_at=now,
                decision_note=clean_note,
            )
            await repos.change_requests.decide(decided)
            await record(
                repos,
                self._principal,
                self._meta,
                AuditAction.CHANGE_APPROVED if approve else AuditAction.CHANGE_REJECTED,
                booking,
                before=_request_doc(request),
                after=_request_doc(decided),
                now=now,
            )
            applied = None
            if approve:
                changed = await self._apply(repos, booking, request.kind, request.payload, now)
                applied = changed[0]
            return decided, applied

    async def _change(
        self,
        booking_id: str,
        kind: ChangeKind,
        payload: dict[str, Any],
        expected_revision: int | None,
    ) -> ChangeOutcome:
        now = self._clock()
        async with self._uow.begin() as repos:
            [booking] = await lock(repos, Target(booking_id=booking_id), expected_revision)
            settings = await repos.tenants.settings()
            if kind in _BEFORE_DEADLINE and not self._principal.is_staff:
                # A reschedule moves the whole visit: every line still to come must be
                # before its own deadline.
                checked = [booking]
                if kind is ChangeKind.RESCHEDULE and booking.group_id is not None:
                    visit = await repos.bookings.in_groups([booking.group_key], for_update=True)
                    checked = [b for b in visit if b.status in ACTIVE]
                for line in checked:
                    minutes = await cancellation_minutes(repos, line, settings)
                    check_can_cancel(line, minutes, now)
            if not self._principal.is_staff and settings.customer_changes_need_approval:
                request = ChangeRequest(
                    id=str(uuid.uuid4()),
                    booking_id=booking.id,
                    kind=kind,
                    payload=payload,
                    status=ChangeRequestStatus.PENDING,
                    requested_by=self._principal.subject,
                    requested_at=now,
                )
                await repos.change_requests.add(request)
                await record(
                    repos,
                    self._principal,
                    self._meta,
                    AuditAction.CHANGE_REQUESTED,
                    booking,
                    before=None,
                    after=_request_doc(request),
                    now=now,
                )
                return ChangeOutcome(request=request)
            return ChangeOutcome(bookings=await self._apply(repos, booking, kind, payload, now))

    async def _apply(
        self,
        repos: Repositories,
        booking: Booking,
        kind: ChangeKind,
        payload: Mapping[str, Any],
        now: datetime,
    ) -> list[Booking]:
        """Apply a change to a locked booking; the bookings it changed (a reschedule moves
        the whole visit), the named one first."""
        if kind is ChangeKind.CANCEL:
            if booking.status is BookingStatus.CANCELLED:
                return [booking]
            if BookingStatus.CANCELLED not in TRANSITIONS[booking.status]:
                raise InvalidTransition(
                    booking.id,
                    booking.status.value,
                    "CANCELLED",
                    [s.value for s in allowed(booking.status)],
                )
            cancelled = await self._status.change(
                repos,
                booking,
                BookingStatus.CANCELLED,
                now,
                reason=payload.get("reason"),
                message=payload.get("messageToCustomer"),
            )
            return [cancelled]
        if kind is ChangeKind.UPDATE_NOTES:
            details = dict(booking.details)
            for key in NOTES:
                if key not in payload:
                    continue
                if payload[key]:
                    details[key] = payload[key]
                else:  # an empty note clears it
                    details.pop(key, None)
            changed = replace(booking, details=details)
            if changed == booking:
                return [booking]
            action = AuditAction.CHANGED
            return [await save(repos, self._principal, self._meta, booking, changed, action, now)]
        if booking.status not in ACTIVE:
            raise Conflict(f"Booking {booking.id} is {booking.status.value}: it cannot move")
        start = datetime.fromisoformat(payload["startsAt"])
        moved = await self._placement.move(repos, booking, start, now)
        saved = [
            await save(
                repos, self._principal, self._meta, before, after, AuditAction.RESCHEDULED, now
            )
            for before, after in moved
        ]
        saved.sort(key=lambda b: b.id != booking.id)
        return saved or [booking]


def _request_doc(request: ChangeRequest) -> dict[str, Any]:
    return {
        "changeRequest": {
            "id": request.id,
            "kind": request.kind.value,
            "status": request.status.value,
            "payload": dict(request.payload),
            "decisionNote": request.decision_note,
        }
    }

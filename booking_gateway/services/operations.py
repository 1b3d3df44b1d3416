"""Workshop operations: grouped lists and cursor pages, status transitions for one booking or
a whole group, rescheduling, notes, participants, messages, change requests, service history.

Customer-side tokens (no ``staff``/``admin`` scope) see no internal messages and, when the
tenant's policy says so, their reschedule/cancel/notes become change requests for staff.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from booking_gateway.db.unit_of_work import Repositories
from booking_gateway.domain.errors import (
    Conflict,
    FieldProblem,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RevisionMismatch,
    ValidationFailed,
)
from booking_gateway.domain.models import (
    Appointment,
    AuditAction,
    Booking,
    BookingStatus,
    Precision,
    RequestMeta,
)
from booking_gateway.domain.operations import (
    Attachment,
    BookingFilter,
    BookingGroup,
    ChangeKind,
    ChangeOutcome,
    ChangeRequest,
    ChangeRequestStatus,
    Message,
    Page,
    ServiceRecord,
    Slice,
)
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.status import ACTIVE, TRANSITIONS, allowed
from booking_gateway.domain.validation import LATEST, Problems, in_range
from booking_gateway.services import UnitOfWork, record, utc_now
from booking_gateway.services.online_booking import OnlineBookingService

MAX_PAGE_SIZE = 200
MAX_RANGE_DAYS = 366
MAX_PARTICIPANTS = 20
ATTACHMENT_TYPES = frozenset({"image/png", "image/jpeg", "application/pdf", "text/plain"})
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 32 * 1024


class ApplyTo(StrEnum):
    ALL = "ALL"
    IN_STATE = "IN_STATE"


@dataclass(frozen=True, slots=True)
class Target:
    """One booking, or every line of a group."""

    booking_id: str | None = None
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class FilterInput:
    date_from: datetime | None = None
    date_to: datetime | None = None
    workshop_ids: Sequence[str] = ()
    statuses: Sequence[BookingStatus] = ()
    vin: str | None = None
    group_id: str | None = None
    resource_id: str | None = None
    mine: bool = False


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


def encode_cursor(at: datetime, booking_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{booking_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, _, booking_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        moment = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed([FieldProblem("after", "is not a cursor of this list")]) from None
    if moment.tzinfo is None or not booking_id or not in_range(moment.date()):
        raise ValidationFailed([FieldProblem("after", "is not a cursor of this list")])
    return moment, booking_id


class OperationsService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        meta: RequestMeta,
        online: OnlineBookingService,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._uow = uow
        self._principal = principal
        self._meta = meta
        self._online = online
        self._clock = clock

    def _require_staff(self) -> None:
        if not self._principal.is_staff:
            raise PermissionDenied(
                "This needs the `staff` or `admin` scope", requiredScope=Scope.STAFF
            )

    # -- reads -------------------------------------------------------------------------

    async def _filter(self, repos: Repositories, given: FilterInput) -> BookingFilter:
        p = Problems()
        today = self._clock().astimezone(UTC).date()
        start = p.day("filter.from", given.date_from.date() if given.date_from else today)
        end = p.day("filter.to", given.date_to.date() if given.date_to else None)
        p.raise_if_any()
        start = start or today
        end = end or min(start + timedelta(days=14), LATEST)
        if end < start:
            p.add("filter.to", "must not be before from")
        elif (end - start).days > MAX_RANGE_DAYS:
            p.add("filter.to", f"the range may span at most {MAX_RANGE_DAYS} days")
        vin = p.vin("filter.vin", given.vin) if given.vin else None
        p.raise_if_any()
        resource_ids: list[str] | None = None
        if given.mine:
            resource_ids = await repos.resources.ids_of_subject(self._principal.subject)
        if given.resource_id is not None:
            resource_ids = [
                r for r in (resource_ids or [given.resource_id]) if r == given.resource_id
            ]
        return BookingFilter(
            date_from=start,
            date_to=end,
            workshop_ids=given.workshop_ids,
            statuses=given.statuses,
            vin=vin,
            group_id=given.group_id,
            resource_ids=resource_ids,
        )

    async def groups(self, given: FilterInput, page: int, page_size: int) -> Page[BookingGroup]:
        self._principal.require(Scope.BOOKINGS_READ)
        p = Problems()
        if page < 1:
            p.add("page", "starts at 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            p.add("pageSize", f"must be between 1 and {MAX_PAGE_SIZE}")
        p.raise_if_any()
        repos = self._uow.read()
        found = await self._filter(repos, given)
        total, keys = await repos.bookings.group_page(found, (page - 1) * page_size, page_size)
        lines = await repos.bookings.in_groups(keys)
        grouped: dict[str, list[Booking]] = {key: [] for key in keys}
        for booking in lines:
            grouped[booking.group_key].append(booking)
        items = [BookingGroup(key, grouped[key]) for key in keys]
        return Page(items=items, total=total, page=page, page_size=page_size)

    async def group(self, group_id: str) -> BookingGroup | None:
        self._principal.require(Scope.BOOKINGS_READ)
        lines = await self._uow.read().bookings.in_groups([group_id])
        return BookingGroup(group_id, lines) if lines else None

    async def slice(self, given: FilterInput, first: int, after: str | None) -> Slice[Booking]:
        self._principal.require(Scope.BOOKINGS_READ)
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise ValidationFailed([FieldProblem("first", f"must be 1-{MAX_PAGE_SIZE}")])
        position = decode_cursor(after) if after else None
        repos = self._uow.read()
        found = await repos.bookings.slice(await self._filter(repos, given), position, first + 1)
        return Slice(
            items=[(encode_cursor(at, b.id), b) for at, b in found[:first]],
            has_next=len(found) > first,
        )

    async def messages(self, booking_ids: Sequence[str]) -> list[list[Message]]:
        """Batch load for the dataloader; customer-side tokens see external messages only."""
        self._principal.require(Scope.BOOKINGS_READ)
        found = await self._uow.read().messages.for_bookings(list(booking_ids))
        by_booking: dict[str, list[Message]] = {i: [] for i in booking_ids}
        for message in found:
            if self._principal.is_staff or not message.internal:
                by_booking[message.booking_id].append(message)
        return [by_booking[i] for i in booking_ids]

    async def change_requests(
        self, status: ChangeRequestStatus | None, page: int, page_size: int
    ) -> Page[ChangeRequest]:
        self._require_staff()
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationFailed(
                [FieldProblem("pageSize", f"page >= 1, pageSize 1-{MAX_PAGE_SIZE}")]
            )
        total, items = await self._uow.read().change_requests.page(
            status, (page - 1) * page_size, page_size
        )
        return Page(items=items, total=total, page=page, page_size=page_size)

    async def service_history(self, vin: str) -> list[ServiceRecord]:
        self._principal.require(Scope.BOOKINGS_READ)
        p = Problems()
        clean = p.vin("vin", vin)
        p.raise_if_any()
        return await self._uow.read().service_history.for_vehicle(clean or "")

    # -- status transitions ------------------------------------------------------------

    async def transition(self, data: TransitionInput) -> list[Booking]:
        """Move one booking, or a group (all lines, or only those in ``in_state``), to
        ``to``, atomically. Lines already in ``to`` are left as they are, except that a
        confirmation with ``duration_minutes`` re-estimates a confirmed booking's end."""
        self._principal.require(Scope.BOOKINGS_WRITE)
        self._require_staff()
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
            lines = await self._lock(repos, data.target, data.expected_revision)
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
                    await self._apply_status(
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

    async def _lock(
        self, repos: Repositories, target: Target, expected_revision: int | None
    ) -> list[Booking]:
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

    async def _apply_status(
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
        details = dict(booking.details)
        changed = replace(booking, status=to)
        if to is BookingStatus.CANCELLED:
            details["cancellation"] = {
                k: v for k, v in {"reason": reason, "messageToCustomer": message}.items() if v
            }
            changed = replace(changed, cancelled_at=now)
        if to not in ACTIVE:
            await repos.allocations.release_bookings([booking.id])
        start = booking.appointment.starts_at
        if to is BookingStatus.CONFIRMED and duration_minutes and start:
            estimate = timedelta(minutes=duration_minutes)
            if booking.service_id is not None:  # its time and resources follow the estimate
                changed = await self._online.move_line(
                    repos, changed, start, now, duration=estimate
                )
            else:
                changed = replace(changed, ends_at=start + estimate)
            details["estimatedDurationMinutes"] = duration_minutes
        if to is BookingStatus.COMPLETED and booking.vin:
            await repos.service_history.add(
                ServiceRecord(
                    id=str(uuid.uuid4()),
                    vin=booking.vin,
                    booking_id=booking.id,
                    completed_at=now,
                    workshop_id=booking.workshop_id,
                    service_id=booking.service_id,
                    summary=summary or booking.reason_text,
                )
            )
        action = (
            AuditAction.CANCELLED if to is BookingStatus.CANCELLED else AuditAction.STATUS_CHANGED
        )
        return await self._save(repos, booking, replace(changed, details=details), action, now)

    # -- changes a customer may ask for ---------------------------------------------------

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
                bookings=await self.transition(
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
        internal_comment: str | None,
        comment_to_customer: str | None,
        expected_revision: int | None,
    ) -> ChangeOutcome:
        self._principal.require(Scope.BOOKINGS_WRITE)
        if internal_comment is not None and not self._principal.is_staff:
            raise PermissionDenied("Only staff may write the internal comment")
        p = Problems()
        payload = {
            "internalComment": p.text("internalComment", internal_comment, max_length=4000),
            "commentToCustomer": p.text("commentToCustomer", comment_to_customer, max_length=4000),
        }
        p.raise_if_any()
        return await self._change(booking_id, ChangeKind.UPDATE_NOTES, payload, expected_revision)

    async def _change(
        self,
        booking_id: str,
        kind: ChangeKind,
        payload: dict[str, Any],
        expected_revision: int | None,
    ) -> ChangeOutcome:
        now = self._clock()
        async with self._uow.begin() as repos:
            [booking] = await self._lock(repos, Target(booking_id=booking_id), expected_revision)
            settings = await repos.tenants.settings()
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
            return ChangeOutcome(bookings=[await self._apply(repos, booking, kind, payload, now)])

    async def _apply(
        self,
        repos: Repositories,
        booking: Booking,
        kind: ChangeKind,
        payload: Mapping[str, Any],
        now: datetime,
    ) -> Booking:
        if kind is ChangeKind.CANCEL:
            if booking.status is BookingStatus.CANCELLED:
                return booking
            if BookingStatus.CANCELLED not in TRANSITIONS[booking.status]:
                raise InvalidTransition(
                    booking.id,
                    booking.status.value,
                    "CANCELLED",
                    [s.value for s in allowed(booking.status)],
                )
            return await self._apply_status(
                repos,
                booking,
                BookingStatus.CANCELLED,
                now,
                reason=payload.get("reason"),
                message=payload.get("messageToCustomer"),
            )
        if kind is ChangeKind.UPDATE_NOTES:
            details = dict(booking.details)
            for key in ("internalComment", "commentToCustomer"):
                if payload.get(key) is not None:
                    details[key] = payload[key]
            changed = replace(booking, details=details)
            action = AuditAction.CHANGED
        else:
            if booking.status not in ACTIVE:
                raise Conflict(f"Booking {booking.id} is {booking.status.value}: it cannot move")
            start = datetime.fromisoformat(payload["startsAt"])
            if booking.service_id is not None:
                changed = await self._online.move_line(repos, booking, start, now)
            else:
                local = start.astimezone(ZoneInfo(booking.time_zone))
                changed = replace(
                    booking, appointment=Appointment(Precision.DATETIME, local.date(), start)
                )
            action = AuditAction.RESCHEDULED
        if changed == booking:
            return booking
        return await self._save(repos, booking, changed, action, now)

    async def _save(
        self,
        repos: Repositories,
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
            self._principal,
            self._meta,
            action,
            saved,
            before=before.snapshot(),
            after=saved.snapshot(),
            now=now,
        )
        return saved

    async def decide(
        self, request_id: str, approve: bool, note: str | None
    ) -> tuple[ChangeRequest, Booking | None]:
        """Approve (apply the change, atomically) or reject a pending change request."""
        self._principal.require(Scope.BOOKINGS_WRITE)
        self._require_staff()
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
            [booking] = await self._lock(repos, Target(booking_id=request.booking_id), None)
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
                applied = await self._apply(repos, booking, request.kind, request.payload, now)
            return decided, applied

    # -- staff-only edits --------------------------------------------------------------

    async def set_participants(
        self,
        booking_id: str,
        participants: Sequence[Mapping[str, Any]],
        expected_revision: int | None,
    ) -> Booking:
        self._principal.require(Scope.BOOKINGS_WRITE)
        self._require_staff()
        p = Problems()
        if len(participants) > MAX_PARTICIPANTS:
            p.add("participants", f"at most {MAX_PARTICIPANTS}")
        clean = []
        for i, given in enumerate(participants):
            person = p.text(f"participants[{i}].personId", given.get("personId"), max_length=64)
            name = p.text(f"participants[{i}].name", given.get("name"), max_length=255)
            role = p.text(f"participants[{i}].role", given.get("role"), max_length=64)
            if person is None and name is None:
                p.add(f"participants[{i}]", "give a personId or a name")
            clean.append({"personId": person, "name": name, "role": role})
        p.raise_if_any()
        now = self._clock()
        async with self._uow.begin() as repos:
            [booking] = await self._lock(repos, Target(booking_id=booking_id), expected_revision)
            changed = replace(booking, participants=tuple(clean))
            return await self._save(repos, booking, changed, AuditAction.CHANGED, now)

    async def post_message(
        self,
        booking_id: str,
        body: str,
        internal: bool,
        attachments: Sequence[tuple[str, str, str]],
    ) -> Message:
        self._principal.require(Scope.BOOKINGS_WRITE)
        if internal and not self._principal.is_staff:
            raise PermissionDenied("Only staff may post internal messages")
        p = Problems()
        text = p.text("body", body, max_length=4000, required=True)
        files = _attachments(p, attachments)
        p.raise_if_any()
        now = self._clock()
        async with self._uow.begin() as repos:
            [booking] = await self._lock(repos, Target(booking_id=booking_id), None)
            message = Message(
                id=str(uuid.uuid4()),
                booking_id=booking.id,
                author_subject=self._principal.subject,
                internal=internal,
                body=text or "",
                created_at=now,
                attachments=tuple(files),
            )
            await repos.messages.add(message)
            await record(
                repos,
                self._principal,
                self._meta,
                AuditAction.MESSAGE_POSTED,
                booking,
                before=None,
                after={
                    "messageId": message.id,
                    "internal": internal,
                    "attachments": [a.filename for a in files],
                },
                now=now,
            )
            return message


def _attachments(p: Problems, given: Sequence[tuple[str, str, str]]) -> list[Attachment]:
    if len(given) > MAX_ATTACHMENTS:
        p.add("attachments", f"at most {MAX_ATTACHMENTS} per message")
        return []
    files = []
    for i, (filename, content_type, data) in enumerate(given):
        name = p.text(f"attachments[{i}].filename", filename, max_length=255, required=True)
        if content_type not in ATTACHMENT_TYPES:
            p.add(
                f"attachments[{i}].contentType",
                f"must be one of {', '.join(sorted(ATTACHMENT_TYPES))}",
            )
            continue
        try:
            size = len(base64.b64decode(data, validate=True))
        except (binascii.Error, ValueError):
            p.add(f"attachments[{i}].dataBase64", "is not base64")
            continue
        if size > MAX_ATTACHMENT_BYTES:
            p.add(f"attachments[{i}].dataBase64", f"is over {MAX_ATTACHMENT_BYTES} bytes")
            continue
        files.append(Attachment(name or "", content_type, data, size))
    return files


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

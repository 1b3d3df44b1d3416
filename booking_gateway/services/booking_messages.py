"""Booking messages: a thread per booking with small attachments. Internal messages are
staff-only: only staff post them and customer-side tokens do not see them."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence

from booking_gateway.domain.errors import PermissionDenied
from booking_gateway.domain.models import AuditAction, RequestMeta
from booking_gateway.domain.operations import Attachment, Message
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.validation import Problems
from booking_gateway.services import Clock, UnitOfWork, record, utc_now
from booking_gateway.services.operations import Target, lock

ATTACHMENT_TYPES = frozenset({"image/png", "image/jpeg", "application/pdf", "text/plain"})
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 32 * 1024


class BookingMessageService:
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

    async def for_bookings(self, booking_ids: Sequence[str]) -> list[list[Message]]:
        """Batch load for the dataloader; customer-side tokens see external messages only."""
        self._principal.require(Scope.BOOKINGS_READ)
        found = await self._uow.read().messages.for_bookings(list(booking_ids))
        by_booking: dict[str, list[Message]] = {i: [] for i in booking_ids}
        for message in found:
            if self._principal.is_staff or not message.internal:
                by_booking[message.booking_id].append(message)
        return [by_booking[i] for i in booking_ids]

    async def post(
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
            [booking] = await lock(repos, Target(booking_id=booking_id), None)
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

"""Messages, change requests and service history of one tenant."""

from __future__ import annotations

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.statements import Statement
from booking_gateway.domain.operations import (
    Attachment,
    ChangeKind,
    ChangeRequest,
    ChangeRequestStatus,
    Message,
    ServiceRecord,
)

# -- messages ---------------------------------------------------------------------------------

ADD_MESSAGE = Statement(
    """INSERT INTO booking_messages (id, tenant_id, booking_id, author_subject, internal, body,
        attachments, created_at)
    VALUES (:id, :tenant, :booking_id, :author_subject, :internal, :body, :attachments,
        :created_at)"""
)
MESSAGES = Statement(
    """SELECT m.id, m.booking_id, m.author_subject, m.internal, m.body, m.attachments,
        m.created_at
    FROM booking_messages m WHERE {scope m} AND m.booking_id = ANY(:booking_ids)
    ORDER BY m.created_at, m.id"""
)

# -- change requests --------------------------------------------------------------------------

REQUEST_COLUMNS = (
    "c.id, c.booking_id, c.kind, c.payload, c.status, c.requested_by, c.requested_at, "
    "c.decided_by, c.decided_at, c.decision_note"
)
ADD_REQUEST = Statement(
    """INSERT INTO change_requests (id, tenant_id, booking_id, kind, payload, status,
        requested_by, requested_at)
    VALUES (:id, :tenant, :booking_id, :kind, :payload, :status, :requested_by, :requested_at)"""
)
GET_REQUEST = Statement(
    f"SELECT {REQUEST_COLUMNS} FROM change_requests c WHERE {{scope c}} AND c.id = :id"
)
GET_REQUEST_FOR_UPDATE = Statement(
    f"SELECT {REQUEST_COLUMNS} FROM change_requests c WHERE {{scope c}} AND c.id = :id FOR UPDATE"
)
COUNT_REQUESTS = Statement(
    """SELECT count(*) FROM change_requests c WHERE {scope c}
    [[ AND c.status = :status ]]"""
)
PAGE_REQUESTS = Statement(
    f"""SELECT {REQUEST_COLUMNS} FROM change_requests c WHERE {{scope c}}
    [[ AND c.status = :status ]]
    ORDER BY c.requested_at, c.id LIMIT :limit OFFSET :offset"""
)
DECIDE_REQUEST = Statement(
    """UPDATE change_requests SET status = :status, decided_by = :decided_by,
        decided_at = :decided_at, decision_note = :decision_note
    WHERE {scope change_requests} AND id = :id"""
)

# -- service history --------------------------------------------------------------------------

ADD_RECORD = Statement(
    """INSERT INTO service_history (id, tenant_id, vin, booking_id, workshop_id, service_id,
        summary, completed_at)
    VALUES (:id, :tenant, :vin, :booking_id, :workshop_id, :service_id, :summary,
        :completed_at)"""
)
FOR_VEHICLE = Statement(
    """SELECT h.id, h.vin, h.booking_id, h.workshop_id, h.service_id, h.summary, h.completed_at
    FROM service_history h WHERE {scope h} AND h.vin = :vin ORDER BY h.completed_at DESC"""
)


def to_message(row: Row) -> Message:
    return Message(
        id=row["id"],
        booking_id=row["booking_id"],
        author_subject=row["author_subject"],
        internal=row["internal"],
        body=row["body"],
        created_at=row["created_at"],
        attachments=tuple(
            Attachment(a["filename"], a["contentType"], a["data"], a["size"])
            for a in row["attachments"] or ()
        ),
    )


def to_request(row: Row) -> ChangeRequest:
    return ChangeRequest(
        id=row["id"],
        booking_id=row["booking_id"],
        kind=ChangeKind(row["kind"]),
        payload=row["payload"],
        status=ChangeRequestStatus(row["status"]),
        requested_by=row["requested_by"],
        requested_at=row["requested_at"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_note=row["decision_note"],
    )


def to_record(row: Row) -> ServiceRecord:
    return ServiceRecord(
        id=row["id"],
        vin=row["vin"],
        booking_id=row["booking_id"],
        completed_at=row["completed_at"],
        workshop_id=row["workshop_id"],
        service_id=row["service_id"],
        summary=row["summary"],
    )


class MessageRepository(ScopedRepository):
    async def add(self, message: Message) -> None:
        await self._execute(
            ADD_MESSAGE,
            id=message.id,
            booking_id=message.booking_id,
            author_subject=message.author_subject,
            internal=message.internal,
            body=message.body,
            attachments=[
                {
                    "filename": a.filename,
                    "contentType": a.content_type,
                    "data": a.data,
                    "size": a.size,
                }
                for a in message.attachments
            ]
            or None,
            created_at=message.created_at,
        )

    async def for_bookings(self, booking_ids: list[str]) -> list[Message]:
        if not booking_ids:
            return []
        return [to_message(r) for r in await self._fetch(MESSAGES, booking_ids=list(booking_ids))]


class ChangeRequestRepository(ScopedRepository):
    async def add(self, request: ChangeRequest) -> None:
        await self._execute(
            ADD_REQUEST,
            id=request.id,
            booking_id=request.booking_id,
            kind=request.kind.value,
            payload=dict(request.payload),
            status=request.status.value,
            requested_by=request.requested_by,
            requested_at=request.requested_at,
        )

    async def get(self, request_id: str, *, for_update: bool = False) -> ChangeRequest | None:
        statement = GET_REQUEST_FOR_UPDATE if for_update else GET_REQUEST
        row = await self._fetchrow(statement, id=request_id)
        return to_request(row) if row else None

    async def page(
        self, status: ChangeRequestStatus | None, offset: int, limit: int
    ) -> tuple[list[ChangeRequest], bool]:
        """The page's requests and whether more follow (one row more is read to tell)."""
        value = status.value if status is not None else None
        rows = await self._fetch(PAGE_REQUESTS, status=value, offset=offset, limit=limit + 1)
        return [to_request(r) for r in rows[:limit]], len(rows) > limit

    async def count(self, status: ChangeRequestStatus | None) -> int:
        value = status.value if status is not None else None
        counted = await self._fetchrow(COUNT_REQUESTS, status=value)
        return int(counted[0]) if counted else 0

    async def decide(self, request: ChangeRequest) -> None:
        await self._execute(
            DECIDE_REQUEST,
            id=request.id,
            status=request.status.value,
            decided_by=request.decided_by,
            decided_at=request.decided_at,
            decision_note=request.decision_note,
        )


class ServiceHistoryRepository(ScopedRepository):
    async def add(self, record: ServiceRecord) -> None:
        await self._execute(
            ADD_RECORD,
            id=record.id,
            vin=record.vin,
            booking_id=record.booking_id,
            workshop_id=record.workshop_id,
            service_id=record.service_id,
            summary=record.summary,
            completed_at=record.completed_at,
        )

    async def for_vehicle(self, vin: str) -> list[ServiceRecord]:
        return [to_record(r) for r in await self._fetch(FOR_VEHICLE, vin=vin)]

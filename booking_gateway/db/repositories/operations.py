"""Messages, change requests and service history of one tenant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import (
    booking_messages,
    bookings,
    change_requests,
    service_history,
)
from booking_gateway.domain.operations import (
    Attachment,
    ChangeKind,
    ChangeRequest,
    ChangeRequestStatus,
    Message,
    ServiceRecord,
)


class MessageRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._tenant = scope.tenant

    async def add(self, message: Message) -> None:
        await self._db.execute(
            booking_messages.insert().values(
                id=message.id,
                tenant_id=self._tenant,
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
        )

    async def for_bookings(self, booking_ids: list[str]) -> list[Message]:
        rows = await self._db.fetch_all(
            sa.select(booking_messages)
            .where(
                booking_messages.c.tenant_id == self._tenant,
                booking_messages.c.booking_id.in_(booking_ids),
            )
            .order_by(booking_messages.c.created_at, booking_messages.c.id)
        )
        return [
            Message(
                id=r["id"],
                booking_id=r["booking_id"],
                author_subject=r["author_subject"],
                internal=r["internal"],
                body=r["body"],
                created_at=r["created_at"],
                attachments=tuple(
                    Attachment(a["filename"], a["contentType"], a["data"], a["size"])
                    for a in r["attachments"] or ()
                ),
            )
            for r in rows
        ]


def _to_request(row: Mapping[str, Any]) -> ChangeRequest:
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


class ChangeRequestRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._tenant = scope.tenant
        self._workshop = scope.workshop

    def _scoped(self) -> list[sa.ColumnElement[bool]]:
        where = [change_requests.c.tenant_id == self._tenant]
        if self._workshop is not None:
            where.append(
                change_requests.c.booking_id.in_(
                    sa.select(bookings.c.id).where(
                        bookings.c.tenant_id == self._tenant,
                        bookings.c.workshop_id == self._workshop,
                    )
                )
            )
        return where

    async def add(self, request: ChangeRequest) -> None:
        await self._db.execute(
            change_requests.insert().values(
                id=request.id,
                tenant_id=self._tenant,
                booking_id=request.booking_id,
                kind=request.kind.value,
                payload=dict(request.payload),
                status=request.status.value,
                requested_by=request.requested_by,
                requested_at=request.requested_at,
            )
        )

    async def get(self, request_id: str, *, for_update: bool = False) -> ChangeRequest | None:
        stmt = sa.select(change_requests).where(*self._scoped(), change_requests.c.id == request_id)
        row = await self._db.fetch_one(stmt.with_for_update() if for_update else stmt)
        return _to_request(row) if row else None

    async def page(
        self, status: ChangeRequestStatus | None, offset: int, limit: int
    ) -> tuple[int, list[ChangeRequest]]:
        where = self._scoped()
        if status is not None:
            where.append(change_requests.c.status == status.value)
        total = await self._db.fetch_val(
            sa.select(sa.func.count()).select_from(change_requests).where(*where)
        )
        rows = await self._db.fetch_all(
            sa.select(change_requests)
            .where(*where)
            .order_by(change_requests.c.requested_at, change_requests.c.id)
            .offset(offset)
            .limit(limit)
        )
        return int(total or 0), [_to_request(r) for r in rows]

    async def decide(self, request: ChangeRequest) -> None:
        await self._db.execute(
            change_requests.update()
            .where(change_requests.c.tenant_id == self._tenant, change_requests.c.id == request.id)
            .values(
                status=request.status.value,
                decided_by=request.decided_by,
                decided_at=request.decided_at,
                decision_note=request.decision_note,
            )
        )


class ServiceHistoryRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._tenant = scope.tenant
        self._workshop = scope.workshop

    async def add(self, record: ServiceRecord) -> None:
        await self._db.execute(
            service_history.insert().values(
                id=record.id,
                tenant_id=self._tenant,
                vin=record.vin,
                booking_id=record.booking_id,
                workshop_id=record.workshop_id,
                service_id=record.service_id,
                summary=record.summary,
                completed_at=record.completed_at,
            )
        )

    async def for_vehicle(self, vin: str) -> list[ServiceRecord]:
        stmt = sa.select(service_history).where(
            service_history.c.tenant_id == self._tenant, service_history.c.vin == vin
        )
        if self._workshop is not None:
            stmt = stmt.where(service_history.c.workshop_id == self._workshop)
        rows = await self._db.fetch_all(stmt.order_by(service_history.c.completed_at.desc()))
        return [
            ServiceRecord(
                id=r["id"],
                vin=r["vin"],
                booking_id=r["booking_id"],
                completed_at=r["completed_at"],
                workshop_id=r["workshop_id"],
                service_id=r["service_id"],
                summary=r["summary"],
            )
            for r in rows
        ]

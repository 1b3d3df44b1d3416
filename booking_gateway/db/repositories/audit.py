from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import audit_events
from booking_gateway.domain.ids import AuditEventId, BookingId, RequestId, TenantId
from booking_gateway.domain.models import AuditAction, AuditEvent


def _to_event(row: Mapping[str, Any]) -> AuditEvent:
    return AuditEvent(
        id=AuditEventId(row["id"]),
        tenant_id=TenantId(row["tenant_id"]),
        booking_id=BookingId(row["booking_id"]),
        action=AuditAction(row["action"]),
        occurred_at=row["occurred_at"],
        actor_subject=row["actor_subject"],
        user_agent=row["user_agent"],
        request_id=RequestId(row["request_id"]),
        before=row["before"],
        after=row["after"],
    )


class AuditRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._tenant = scope.tenant

    async def append(self, event: AuditEvent) -> None:
        await self._db.execute(
            audit_events.insert().values(
                tenant_id=self._tenant,
                booking_id=event.booking_id,
                action=event.action.value,
                occurred_at=event.occurred_at,
                actor_subject=event.actor_subject,
                user_agent=event.user_agent,
                request_id=event.request_id,
                before=event.before,
                after=event.after,
            )
        )

    async def for_booking(self, booking_id: str) -> list[AuditEvent]:
        rows = await self._db.fetch_all(
            sa.select(audit_events)
            .where(
                audit_events.c.tenant_id == self._tenant, audit_events.c.booking_id == booking_id
            )
            .order_by(audit_events.c.id)
        )
        return [_to_event(r) for r in rows]

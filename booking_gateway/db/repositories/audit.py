from __future__ import annotations

from typing import Any

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.statements import Statement
from booking_gateway.domain.ids import AuditEventId, BookingId, RequestId, TenantId
from booking_gateway.domain.models import AuditAction, AuditEvent

# txid is left to its column default (the writing transaction's id): the change feed relies on
# it, see db/repositories/feed.
APPEND = Statement(
    """INSERT INTO audit_events (tenant_id, booking_id, action, occurred_at, actor_subject,
        user_agent, request_id, before, after)
    VALUES (:tenant, :booking_id, :action, :occurred_at, :actor_subject, :user_agent,
        :request_id, :before, :after)"""
)
FOR_BOOKING = Statement(
    """SELECT a.id, a.tenant_id, a.booking_id, a.action, a.occurred_at, a.actor_subject,
        a.user_agent, a.request_id, a.before, a.after
    FROM audit_events a WHERE {scope a} AND a.booking_id = :booking_id ORDER BY a.id"""
)


def to_event(row: Row) -> AuditEvent:
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


def event_values(event: AuditEvent) -> dict[str, Any]:
    """The parameters of ``APPEND`` (the tenant comes from the scope, the id and txid from
    column defaults)."""
    return {
        "booking_id": event.booking_id,
        "action": event.action.value,
        "occurred_at": event.occurred_at,
        "actor_subject": event.actor_subject,
        "user_agent": event.user_agent,
        "request_id": event.request_id,
        "before": event.before,
        "after": event.after,
    }


class AuditRepository(ScopedRepository):
    async def append(self, event: AuditEvent) -> None:
        await self._execute(APPEND, **event_values(event))

    async def for_booking(self, booking_id: str) -> list[AuditEvent]:
        return [to_event(r) for r in await self._fetch(FOR_BOOKING, booking_id=booking_id)]

"""Services: business rules and transactions. They raise domain errors and never import
strawberry or starlette."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from booking_gateway.domain.ids import AuditEventId
from booking_gateway.domain.models import AuditAction, AuditEvent, Booking, RequestMeta
from booking_gateway.domain.principal import Principal
from booking_gateway.services.ports import Repositories


class UnitOfWork(Protocol):
    """Hands services their repositories: in a transaction (``begin``: committed when the block
    ends, rolled back when it raises) or for plain reads (``read``). ``SqlUnitOfWork`` and the
    unit tests' fake implement it."""

    def begin(self) -> AbstractAsyncContextManager[Repositories]: ...

    def read(self) -> Repositories: ...


Clock = Callable[[], datetime]
"""Where services read the time: ``utc_now`` in production, a fixed clock in tests."""


def utc_now() -> datetime:
    return datetime.now(UTC)


async def record(
    repos: Repositories,
    principal: Principal,
    meta: RequestMeta,
    action: AuditAction,
    booking: Booking,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> None:
    """Append the audit event of one write to a booking (in the caller's transaction)."""
    await repos.audit.append(
        AuditEvent(
            id=AuditEventId(0),  # assigned by the database
            tenant_id=principal.tenant,
            booking_id=booking.id,
            action=action,
            occurred_at=now,
            actor_subject=principal.subject,
            user_agent=meta.user_agent,
            request_id=meta.request_id,
            before=before,
            after=after,
        )
    )

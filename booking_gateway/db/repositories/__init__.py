"""Repositories bound to one tenant (and optionally one workshop) at construction.

No method takes a tenant id: every statement starts from the bound scope, so a query cannot
forget it. "Not yours" and "does not exist" look the same to callers.
"""

from __future__ import annotations

from dataclasses import dataclass

from booking_gateway.domain.ids import TenantId, WorkshopId


@dataclass(frozen=True, slots=True)
class TenantScope:
    tenant: TenantId
    workshop: WorkshopId | None = None
    customer: str | None = None  # a customer token's personal identifier

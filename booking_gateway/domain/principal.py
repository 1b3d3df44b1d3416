"""Who is calling: the verified token's tenant, workshop, subject and scopes.

Built in one place (``auth.TokenVerifier``); services receive it and never see the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from booking_gateway.domain.errors import PermissionDenied
from booking_gateway.domain.ids import TenantId, WorkshopId


class Scope(StrEnum):
    BOOKINGS_READ = "bookings:read"
    BOOKINGS_WRITE = "bookings:write"
    STAFF = "staff"
    ADMIN = "admin"


ALL_SCOPES = " ".join(s.value for s in Scope)
DEFAULT_TOKEN_SCOPES = f"{Scope.BOOKINGS_READ} {Scope.BOOKINGS_WRITE}"


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: TenantId
    subject: str
    scopes: frozenset[str]
    workshop: WorkshopId | None = None

    @property
    def is_staff(self) -> bool:
        """Workshop staff (``staff`` or ``admin``), as opposed to a customer-side token."""
        return bool({Scope.STAFF, Scope.ADMIN} & self.scopes)

    def require(self, scope: Scope) -> None:
        # "admin" implies every other scope of its tenant.
        if scope not in self.scopes and Scope.ADMIN not in self.scopes:
            raise PermissionDenied(f"This token lacks the scope '{scope}'", requiredScope=scope)

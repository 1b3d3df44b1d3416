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
    # Integration tokens see customers' personal data (names, contact details, date of birth)
    # only with this scope; staff and the customer themself always do.
    CUSTOMERS_READ = "customers:read"


ALL_SCOPES = " ".join(s.value for s in Scope)
_STAFF = frozenset({Scope.STAFF, Scope.ADMIN})
DEFAULT_TOKEN_SCOPES = f"{Scope.BOOKINGS_READ} {Scope.BOOKINGS_WRITE}"


@dataclass(frozen=True, slots=True)
class Principal:
    """Three kinds of token: staff (``staff`` or ``admin``), a customer (a ``customer`` claim:
    the customer's personal identifier; it sees only that customer's bookings), and
    integrations (neither: tenant-wide as the scopes allow, personal data only with
    ``customers:read``). Customers and integrations together are the customer side."""

    tenant: TenantId
    subject: str
    scopes: frozenset[str]
    workshop: WorkshopId | None = None
    customer: str | None = None

    @property
    def is_staff(self) -> bool:
        """Workshop staff (``staff`` or ``admin``), as opposed to a customer-side token."""
        return not _STAFF.isdisjoint(self.scopes)

    @property
    def is_customer(self) -> bool:
        return self.customer is not None

    @property
    def sees_personal_data(self) -> bool:
        """Customers' names, contact details and dates of birth: staff, the customer (who
        sees only their own bookings anyway), or an integration with ``customers:read``."""
        return self.is_staff or self.is_customer or Scope.CUSTOMERS_READ in self.scopes

    def require(self, scope: Scope) -> None:
        # "admin" implies every other scope of its tenant.
        if scope not in self.scopes and Scope.ADMIN not in self.scopes:
            raise PermissionDenied(f"This token lacks the scope '{scope}'", requiredScope=scope)

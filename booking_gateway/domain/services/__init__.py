"""Services: business rules and transactions. They raise domain errors and never import
strawberry or starlette."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Protocol

from booking_gateway.db.unit_of_work import Repositories


class UnitOfWork(Protocol):
    def begin(self) -> AbstractAsyncContextManager[Repositories]: ...

    def read(self) -> Repositories: ...


def utc_now() -> datetime:
    return datetime.now(UTC)

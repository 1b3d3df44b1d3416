"""The request context: built once per request from the verified token (the only place the
token is read), and the services a resolver may call."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from strawberry.dataloader import DataLoader

from booking_gateway.auth import Principal
from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.models import RequestMeta, Workshop
from booking_gateway.domain.services.admin import AdminService
from booking_gateway.domain.services.bookings import BookingReader
from booking_gateway.domain.services.dealer_import import DealerImportService


@dataclass
class Context:
    principal: Principal
    meta: RequestMeta
    db: Db
    uow: SqlUnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        self.uow = SqlUnitOfWork(
            self.db, TenantScope(self.principal.tenant, self.principal.workshop)
        )

    @cached_property
    def bookings(self) -> BookingReader:
        return BookingReader(self.uow, self.principal)

    @cached_property
    def dealer_import(self) -> DealerImportService:
        return DealerImportService(self.uow, self.principal, self.meta)

    @cached_property
    def admin(self) -> AdminService:
        return AdminService(self.uow, self.principal)

    @cached_property
    def workshop_loader(self) -> DataLoader[str, Workshop | None]:
        return DataLoader(load_fn=self.bookings.workshops)

"""The request context: built once per request from the verified token (the only place the
token is read), and the services a resolver may call."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from strawberry.dataloader import DataLoader

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.catalog import Customer, Service, WorkshopResource
from booking_gateway.domain.models import RequestMeta, Workshop
from booking_gateway.domain.operations import Message
from booking_gateway.domain.principal import Principal
from booking_gateway.services import Clock, utc_now
from booking_gateway.services.admin import AdminService
from booking_gateway.services.booking_contact import BookingContactService
from booking_gateway.services.booking_lists import BookingListService
from booking_gateway.services.booking_messages import BookingMessageService
from booking_gateway.services.booking_participants import BookingParticipantService
from booking_gateway.services.booking_status import BookingStatusService
from booking_gateway.services.bookings import BookingReader
from booking_gateway.services.catalog import CatalogService
from booking_gateway.services.change_requests import ChangeRequestService
from booking_gateway.services.dealer_import import DealerImportService
from booking_gateway.services.feed import ChangeFeedService
from booking_gateway.services.online_booking import OnlineBookingService
from booking_gateway.services.placement import PlacementService
from booking_gateway.services.service_history import ServiceHistoryService

FALLBACK_LANGUAGE = "en"


def parse_accept_language(header: str | None) -> tuple[str, ...]:
    """``da-DK,da;q=0.9,en;q=0.5`` -> ("da-DK", "da", "en"), best first."""
    weighted = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and len(tag) <= 35 and quality > 0:
            weighted.append((-quality, position, tag))
    return tuple(tag for _, _, tag in sorted(weighted))


@dataclass
class Context:
    principal: Principal
    meta: RequestMeta
    db: Db
    languages: tuple[str, ...] = ()
    fallback_language: str = FALLBACK_LANGUAGE
    clock: Clock = utc_now
    uow: SqlUnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        self.uow = SqlUnitOfWork(
            self.db,
            TenantScope(self.principal.tenant, self.principal.workshop, self.principal.customer),
        )

    @cached_property
    def bookings(self) -> BookingReader:
        return BookingReader(self.uow, self.principal)

    @cached_property
    def dealer_import(self) -> DealerImportService:
        return DealerImportService(self.uow, self.principal, self.meta, self.clock)

    @cached_property
    def admin(self) -> AdminService:
        return AdminService(self.uow, self.principal, self.clock)

    @cached_property
    def catalog(self) -> CatalogService:
        return CatalogService(self.uow, self.principal, self.clock)

    @cached_property
    def placement(self) -> PlacementService:
        return PlacementService(self.principal)

    @cached_property
    def online(self) -> OnlineBookingService:
        return OnlineBookingService(
            self.uow, self.principal, self.meta, self.clock, placement=self.placement
        )

    @cached_property
    def booking_lists(self) -> BookingListService:
        return BookingListService(self.uow, self.principal, self.clock)

    @cached_property
    def booking_status(self) -> BookingStatusService:
        return BookingStatusService(self.uow, self.principal, self.meta, self.placement, self.clock)

    @cached_property
    def change_requests(self) -> ChangeRequestService:
        return ChangeRequestService(
            self.uow, self.principal, self.meta, self.booking_status, self.placement, self.clock
        )

    @cached_property
    def booking_participants(self) -> BookingParticipantService:
        return BookingParticipantService(self.uow, self.principal, self.meta, self.clock)

    @cached_property
    def booking_contact(self) -> BookingContactService:
        return BookingContactService(self.uow, self.principal, self.meta, self.clock)

    @cached_property
    def booking_messages(self) -> BookingMessageService:
        return BookingMessageService(self.uow, self.principal, self.meta, self.clock)

    @cached_property
    def service_history(self) -> ServiceHistoryService:
        return ServiceHistoryService(self.uow, self.principal)

    @cached_property
    def feed(self) -> ChangeFeedService:
        return ChangeFeedService(self.uow.read().feed, self.principal)

    @cached_property
    def message_loader(self) -> DataLoader[str, list[Message]]:
        return DataLoader(load_fn=self.booking_messages.for_bookings)

    @cached_property
    def workshop_loader(self) -> DataLoader[str, Workshop | None]:
        return DataLoader(load_fn=self.bookings.workshops)

    @cached_property
    def service_loader(self) -> DataLoader[str, Service | None]:
        return DataLoader(load_fn=self.catalog.services_by_id)

    @cached_property
    def customer_loader(self) -> DataLoader[str, Customer | None]:
        return DataLoader(load_fn=self.bookings.customers)

    @cached_property
    def resource_loader(self) -> DataLoader[str, WorkshopResource | None]:
        return DataLoader(load_fn=self.bookings.resources)

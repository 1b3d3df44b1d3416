from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.domain import models
from booking_gateway.graphql.catalog.types import Workshop
from booking_gateway.graphql.errors import Error, ValidationError


@strawberry.type(description="The verified token behind this request.")
class Viewer:
    tenant: str = strawberry.field(description="Tenant the token is scoped to.")
    workshop: str | None = strawberry.field(description="Workshop restriction, if any.")
    subject: str = strawberry.field(description="The token's `sub`.")
    scopes: list[str] = strawberry.field(description="Granted scopes, sorted.")


@strawberry.type(description="Policies of the tenant.")
class TenantSettings:
    allowed_booking_sources: list[str] = strawberry.field(
        description="`bookingSource` values the import accepts."
    )
    one_active_booking_per_vehicle: bool = strawberry.field(
        description="When true, a vehicle may have only one active booking."
    )

    @classmethod
    def from_domain(cls, s: models.TenantSettings) -> TenantSettings:
        return cls(
            allowed_booking_sources=sorted(s.allowed_booking_sources),
            one_active_booking_per_vehicle=s.one_active_booking_per_vehicle,
        )


@strawberry.input(description="Policies to change; fields left out stay as they are.")
class UpdateTenantSettingsInput:
    allowed_booking_sources: list[str] | None = strawberry.field(
        default=None, description="Replaces the accepted `bookingSource` values."
    )
    one_active_booking_per_vehicle: bool | None = strawberry.field(
        default=None, description="One active booking per vehicle."
    )


@strawberry.type(description="The settings after the update.")
class UpdateTenantSettingsSuccess:
    settings: TenantSettings = strawberry.field(description="Current settings.")


UpdateTenantSettingsResult = Annotated[
    UpdateTenantSettingsSuccess | ValidationError,
    strawberry.union("UpdateTenantSettingsResult", description="Settings, or why not."),
]


@strawberry.input(description="A new workshop (branch).")
class CreateWorkshopInput:
    name: str = strawberry.field(description="Display name (<=255).")
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Copenhagen.")
    dealer_number: str | None = strawberry.field(
        default=None, description="Dealer number, unique in the tenant."
    )


@strawberry.type(description="The workshop was created.")
class CreateWorkshopSuccess:
    workshop: Workshop = strawberry.field(description="The new workshop.")


CreateWorkshopResult = Annotated[
    CreateWorkshopSuccess | ValidationError,
    strawberry.union("CreateWorkshopResult", description="The workshop, or why not."),
]

__all__ = ["Error"]

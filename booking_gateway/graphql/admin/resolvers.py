from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.domain.errors import ValidationFailed
from booking_gateway.graphql.admin.types import (
    CreateWorkshopInput,
    CreateWorkshopResult,
    CreateWorkshopSuccess,
    TenantSettings,
    UpdateTenantSettingsInput,
    UpdateTenantSettingsResult,
    UpdateTenantSettingsSuccess,
    Viewer,
)
from booking_gateway.graphql.catalog.types import Workshop
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import ValidationError
from booking_gateway.services.admin import SettingsChange


@strawberry.type
class AdminQueries:
    @strawberry.field(description="The verified token behind this request.")
    def viewer(self, info: strawberry.Info[Context, None]) -> Viewer:
        p = info.context.principal
        return Viewer(
            tenant=p.tenant,
            workshop=p.workshop,
            subject=p.subject,
            scopes=sorted(p.scopes),
            customer=p.customer,
        )

    @strawberry.field(description="The tenant's policies.")
    async def tenant_settings(self, info: strawberry.Info[Context, None]) -> TenantSettings:
        return TenantSettings.from_domain(await info.context.admin.settings())

    @strawberry.field(description="The tenant's workshops (only its own for a workshop token).")
    async def workshops(self, info: strawberry.Info[Context, None]) -> list[Workshop]:
        return [Workshop.from_domain(w) for w in await info.context.admin.workshops()]


@strawberry.type
class AdminMutations:
    @strawberry.mutation(description="Change tenant policies. Needs the `admin` scope.")
    async def update_tenant_settings(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[UpdateTenantSettingsInput, strawberry.argument(description="Changes.")],
    ) -> UpdateTenantSettingsResult:
        try:
            settings = await info.context.admin.update_settings(
                SettingsChange(
                    allowed_booking_sources=input.allowed_booking_sources,
                    one_active_booking_per_vehicle=input.one_active_booking_per_vehicle,
                    reservation_hold_minutes=input.reservation_hold_minutes,
                    minimum_notice_minutes=input.minimum_notice_minutes,
                    booking_horizon_days=input.booking_horizon_days,
                    cancellation_deadline_minutes=input.cancellation_deadline_minutes,
                    customer_changes_need_approval=input.customer_changes_need_approval,
                    customer_email_required=input.customer_email_required,
                    bookings_need_confirmation=input.bookings_need_confirmation,
                )
            )
        except ValidationFailed as exc:
            return ValidationError.from_domain(exc)
        return UpdateTenantSettingsSuccess(settings=TenantSettings.from_domain(settings))

    @strawberry.mutation(description="Create a workshop. Needs the `admin` scope.")
    async def create_workshop(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[CreateWorkshopInput, strawberry.argument(description="The workshop.")],
    ) -> CreateWorkshopResult:
        try:
            workshop = await info.context.admin.create_workshop(
                input.name, input.time_zone, input.dealer_number
            )
        except ValidationFailed as exc:
            return ValidationError.from_domain(exc)
        return CreateWorkshopSuccess(workshop=Workshop.from_domain(workshop))

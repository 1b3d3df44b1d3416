from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import strawberry

from booking_gateway.domain import catalog
from booking_gateway.domain.catalog import pick_text
from booking_gateway.domain.errors import NotFound, ValidationFailed
from booking_gateway.graphql.catalog.inputs import (
    CreateResourceInput,
    CreateServiceGroupInput,
    ServiceInput,
    UpdateWorkshopInput,
)
from booking_gateway.graphql.catalog.types import Resource, Service, ServiceGroup, Workshop
from booking_gateway.graphql.catalog.types import localized as _localized
from booking_gateway.graphql.context import Context
from booking_gateway.graphql.errors import NotFoundError, ValidationError


@strawberry.type(description="The service as saved.")
class ServiceSuccess:
    service: Service = strawberry.field(description="The service.")


@strawberry.type(description="The workshop as saved.")
class WorkshopSuccess:
    workshop: Workshop = strawberry.field(description="The workshop.")


@strawberry.type(description="The group as saved.")
class ServiceGroupSuccess:
    service_group: ServiceGroup = strawberry.field(description="The group.")


@strawberry.type(description="The resource as saved.")
class ResourceSuccess:
    resource: Resource = strawberry.field(description="The resource.")


SaveServiceResult = Annotated[
    ServiceSuccess | ValidationError | NotFoundError,
    strawberry.union("SaveServiceResult", description="The service, or why not."),
]
UpdateWorkshopResult = Annotated[
    WorkshopSuccess | ValidationError | NotFoundError,
    strawberry.union("UpdateWorkshopResult", description="The workshop, or why not."),
]
CreateServiceGroupResult = Annotated[
    ServiceGroupSuccess | ValidationError,
    strawberry.union("CreateServiceGroupResult", description="The group, or why not."),
]
CreateResourceResult = Annotated[
    ResourceSuccess | ValidationError | NotFoundError,
    strawberry.union("CreateResourceResult", description="The resource, or why not."),
]


def _service(info: strawberry.Info[Context, None], service: catalog.Service) -> Service:
    return Service.from_domain(service, info.context.languages, info.context.fallback_language)


@strawberry.type
class CatalogQueries:
    @strawberry.field(
        description="Services (name and description by Accept-Language); tokens "
        "without staff or admin scope see online-bookable ones only."
    )
    async def services(
        self,
        info: strawberry.Info[Context, None],
        workshop_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only those it offers.")
        ] = None,
    ) -> list[Service]:
        return [_service(info, s) for s in await info.context.catalog.services(workshop_id)]

    @strawberry.field(description="One service, or null.")
    async def service(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="Service id.")],
    ) -> Service | None:
        found = await info.context.catalog.services_by_id([id])
        return _service(info, found[0]) if found[0] else None

    @strawberry.field(description="Service groups, in order.")
    async def service_groups(self, info: strawberry.Info[Context, None]) -> list[ServiceGroup]:
        ctx = info.context
        return [
            ServiceGroup(
                id=strawberry.ID(g.id),
                name=_pick(g.names, ctx),
                names=_localized(g.names),
                index=g.position,
                service_ids=tuple(g.service_ids),
            )
            for g in await ctx.catalog.service_groups()
        ]

    @strawberry.field(description="Workshops (branches) that offer a service.")
    async def workshops_for_service(
        self,
        info: strawberry.Info[Context, None],
        service_id: Annotated[strawberry.ID, strawberry.argument(description="Service id.")],
    ) -> list[Workshop]:
        found = await info.context.catalog.workshops_for_service(service_id)
        return [Workshop.from_domain(w) for w in found]

    @strawberry.field(description="Resources, optionally of one workshop.")
    async def resources(
        self,
        info: strawberry.Info[Context, None],
        workshop_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Workshop id.")
        ] = None,
    ) -> list[Resource]:
        return [Resource.from_domain(r) for r in await info.context.catalog.resources(workshop_id)]


def _pick(names: Mapping[str, str], ctx: Context) -> str:
    return pick_text(names, ctx.languages, ctx.fallback_language)


@strawberry.type
class CatalogMutations:
    @strawberry.mutation(description="Create a service. Needs the `admin` scope.")
    async def create_service(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[ServiceInput, strawberry.argument(description="The service.")],
    ) -> SaveServiceResult:
        try:
            saved = await info.context.catalog.save_service(input.to_domain())
        except ValidationFailed as exc:
            return ValidationError.from_domain(exc)
        return ServiceSuccess(service=_service(info, saved))

    @strawberry.mutation(description="Replace a service's definition. Needs `admin`.")
    async def update_service(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="Service id.")],
        input: Annotated[ServiceInput, strawberry.argument(description="The service.")],
    ) -> SaveServiceResult:
        try:
            saved = await info.context.catalog.save_service(input.to_domain(), id)
        except ValidationFailed as exc:
            return ValidationError.from_domain(exc)
        except NotFound as exc:
            return NotFoundError(message=exc.message, code=exc.code)
        return ServiceSuccess(service=_service(info, saved))

    @strawberry.mutation(description="Set a workshop's hours, address, location... Needs `admin`.")
    async def update_workshop(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[UpdateWorkshopInput, strawberry.argument(description="Changes.")],
    ) -> UpdateWorkshopResult:
        try:
            saved = await info.context.catalog.update_workshop(input.id, input.to_domain())
        except ValidationFailed as exc:
            return ValidationError.from_domain(exc)
        except NotFound as exc:
            return NotFoundError(message=exc.message, code=exc.code)
        return WorkshopSuccess(workshop=Workshop.from_domain(saved))

    @strawberry.mutation(description="Create a service group. Needs `admin`.")
    async def create_service_group(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[CreateServiceGroupInput, strawberry.argument(description="Group.")],
    ) -> CreateServiceGroupResult:
        try:
            group = await info.context.catalog.create_service_group(
                {t.language: t.text for t in input.names},
                [str(s) for s in input.service_ids],
                input.index,
            )
        except ValidationFailed as exc:
            return ValidationError.from_domain(exc)
        return ServiceGroupSuccess(
            service_group=ServiceGroup(
                id=strawberry.ID(group.id),
                name=_pick(group.names, info.context),
                names=_localized(group.names),
                index=group.position,
                service_ids=tuple(group.service_ids),
            )
        )

    @strawberry.mutation(description="Create a resource. Needs `admin`.")
    async def create_resource(
        self,
        info: strawberry.Info[Context, None],
        input: Annotated[CreateResourceInput, strawberry.argument(description="Resource.")],
    ) -> CreateResourceResult:
        try:
            resource = await info.context.catalog.create_resource(
                input.workshop_id, input.type, input.name, input.subject
            )
        except ValidationFailed as exc:
            return ValidationError.from_domain(exc)
        except NotFound as exc:
            return NotFoundError(message=exc.message, code=exc.code)
        return ResourceSuccess(resource=Resource.from_domain(resource))

"""Services, service groups and resources of one tenant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.tables import resources, service_groups, service_workshops, services
from booking_gateway.domain.catalog import (
    Service,
    ServiceGroup,
    ServiceGroupId,
    WorkshopResource,
)
from booking_gateway.domain.ids import WorkshopId
from booking_gateway.domain.scheduling import ResourceId, ServiceId


class ServiceRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._scope = scope

    async def _workshops_of(self, ids: Sequence[str]) -> dict[str, list[str]]:
        rows = await self._db.fetch_all(
            sa.select(service_workshops.c.service_id, service_workshops.c.workshop_id)
            .where(
                service_workshops.c.tenant_id == self._scope.tenant,
                service_workshops.c.service_id.in_(ids),
            )
            .order_by(service_workshops.c.workshop_id)
        )
        found: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            found[row["service_id"]].append(row["workshop_id"])
        return found

    async def list_all(self, workshop_id: str | None = None) -> list[Service]:
        stmt = sa.select(services).where(services.c.tenant_id == self._scope.tenant)
        workshop = workshop_id or self._scope.workshop
        if workshop is not None:
            stmt = stmt.where(
                services.c.id.in_(
                    sa.select(service_workshops.c.service_id).where(
                        service_workshops.c.workshop_id == workshop
                    )
                )
            )
        rows = await self._db.fetch_all(stmt.order_by(services.c.created_at, services.c.id))
        offered = await self._workshops_of([r["id"] for r in rows])
        return [
            Service.from_document(r["id"], r["tenant_id"], r["definition"], offered[r["id"]])
            for r in rows
        ]

    async def get_many(self, ids: Sequence[str]) -> dict[ServiceId, Service]:
        rows = await self._db.fetch_all(
            sa.select(services).where(
                services.c.tenant_id == self._scope.tenant, services.c.id.in_(ids)
            )
        )
        offered = await self._workshops_of([r["id"] for r in rows])
        return {
            ServiceId(r["id"]): Service.from_document(
                r["id"], r["tenant_id"], r["definition"], offered[r["id"]]
            )
            for r in rows
        }

    async def get(self, service_id: str) -> Service | None:
        return (await self.get_many([service_id])).get(ServiceId(service_id))

    async def save(self, service: Service, now: datetime, *, new: bool) -> None:
        if new:
            await self._db.execute(
                services.insert().values(
                    id=service.id,
                    tenant_id=self._scope.tenant,
                    definition=service.to_document(),
                    created_at=now,
                    updated_at=now,
                )
            )
        else:
            await self._db.execute(
                services.update()
                .where(services.c.tenant_id == self._scope.tenant, services.c.id == service.id)
                .values(definition=service.to_document(), updated_at=now)
            )
            await self._db.execute(
                service_workshops.delete().where(
                    service_workshops.c.tenant_id == self._scope.tenant,
                    service_workshops.c.service_id == service.id,
                )
            )
        for workshop_id in service.workshop_ids:
            await self._db.execute(
                service_workshops.insert().values(
                    service_id=service.id, workshop_id=workshop_id, tenant_id=self._scope.tenant
                )
            )


class ServiceGroupRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._tenant = scope.tenant

    async def list_all(self) -> list[ServiceGroup]:
        rows = await self._db.fetch_all(
            sa.select(service_groups)
            .where(service_groups.c.tenant_id == self._tenant)
            .order_by(service_groups.c.position, service_groups.c.id)
        )
        return [
            ServiceGroup(
                id=ServiceGroupId(r["id"]),
                names=r["names"],
                position=r["position"],
                service_ids=tuple(ServiceId(s) for s in r["service_ids"]),
            )
            for r in rows
        ]

    async def add(self, group: ServiceGroup) -> None:
        await self._db.execute(
            service_groups.insert().values(
                id=group.id,
                tenant_id=self._tenant,
                names=dict(group.names),
                position=group.position,
                service_ids=list(group.service_ids),
            )
        )


def _to_resource(row: Mapping[str, Any]) -> WorkshopResource:
    return WorkshopResource(
        id=ResourceId(row["id"]),
        workshop_id=WorkshopId(row["workshop_id"]),
        type=row["type"],
        name=row["name"],
        subject=row["subject"],
    )


class ResourceRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._scope = scope

    def _select(self) -> sa.Select[Any]:
        stmt = sa.select(resources).where(resources.c.tenant_id == self._scope.tenant)
        if self._scope.workshop is not None:
            stmt = stmt.where(resources.c.workshop_id == self._scope.workshop)
        return stmt

    async def list_all(self, workshop_id: str | None = None) -> list[WorkshopResource]:
        stmt = self._select()
        if workshop_id is not None:
            stmt = stmt.where(resources.c.workshop_id == workshop_id)
        rows = await self._db.fetch_all(stmt.order_by(resources.c.type, resources.c.name))
        return [_to_resource(r) for r in rows]

    async def get_many(self, ids: Sequence[str]) -> list[WorkshopResource]:
        rows = await self._db.fetch_all(self._select().where(resources.c.id.in_(ids)))
        return [_to_resource(r) for r in rows]

    async def ids_of_subject(self, subject: str) -> list[str]:
        """Resources that are this person (a staff token's ``sub``)."""
        rows = await self._db.fetch_all(
            sa.select(resources.c.id).where(
                resources.c.tenant_id == self._scope.tenant, resources.c.subject == subject
            )
        )
        return [r["id"] for r in rows]

    async def add(self, resource: WorkshopResource) -> None:
        await self._db.execute(
            resources.insert().values(
                id=resource.id,
                tenant_id=self._scope.tenant,
                workshop_id=resource.workshop_id,
                type=resource.type,
                name=resource.name,
                subject=resource.subject,
            )
        )

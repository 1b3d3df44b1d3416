"""Services, service groups and resources of one tenant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.statements import Statement
from booking_gateway.domain.catalog import (
    Service,
    ServiceGroup,
    ServiceGroupId,
    WorkshopResource,
)
from booking_gateway.domain.ids import WorkshopId
from booking_gateway.domain.scheduling import ResourceId, ServiceId

# -- services ----------------------------------------------------------------------------------
# A workshop-scoped token sees the services its workshop offers, and only its own workshop
# among the workshops offering them.

SERVICE_COLUMNS = "s.id, s.tenant_id, s.definition"
SERVICES = Statement(
    f"""SELECT {SERVICE_COLUMNS} FROM services s WHERE {{scope s}}
    [[ AND EXISTS (SELECT 1 FROM service_workshops sw WHERE {{scope sw}}
        AND sw.service_id = s.id AND sw.workshop_id = :workshop_id) ]]
    ORDER BY s.created_at, s.id"""
)
SERVICES_BY_ID = Statement(
    f"SELECT {SERVICE_COLUMNS} FROM services s WHERE {{scope s}} AND s.id = ANY(:ids)"
)
OFFERED_AT = Statement(
    """SELECT sw.service_id, sw.workshop_id FROM service_workshops sw
    WHERE {scope sw} AND sw.service_id = ANY(:ids) ORDER BY sw.workshop_id"""
)
ADD_SERVICE = Statement(
    """INSERT INTO services (id, tenant_id, definition, created_at, updated_at)
    VALUES (:id, :tenant, :definition, :now, :now)"""
)
UPDATE_SERVICE = Statement(
    """UPDATE services SET definition = :definition, updated_at = :now
    WHERE {scope services} AND id = :id"""
)
UNLINK_WORKSHOPS = Statement(
    "DELETE FROM service_workshops WHERE {scope service_workshops} AND service_id = :id"
)
LINK_WORKSHOP = Statement(
    """INSERT INTO service_workshops (service_id, workshop_id, tenant_id)
    VALUES (:id, :workshop_id, :tenant)"""
)

# -- service groups (tenant-wide) ----------------------------------------------------------------

GROUPS = Statement(
    """SELECT g.id, g.names, g.position, g.service_ids FROM service_groups g
    WHERE {scope g} ORDER BY g.position, g.id"""
)
ADD_GROUP = Statement(
    """INSERT INTO service_groups (id, tenant_id, names, position, service_ids)
    VALUES (:id, :tenant, :names, :position, :service_ids)"""
)

# -- resources --------------------------------------------------------------------------------

RESOURCE_COLUMNS = "r.id, r.workshop_id, r.type, r.name, r.subject"
RESOURCES = Statement(
    f"""SELECT {RESOURCE_COLUMNS} FROM resources r WHERE {{scope r}}
    [[ AND r.workshop_id = :workshop_id ]] ORDER BY r.type, r.name"""
)
RESOURCES_BY_ID = Statement(
    f"SELECT {RESOURCE_COLUMNS} FROM resources r WHERE {{scope r}} AND r.id = ANY(:ids)"
)
RESOURCES_OF_SUBJECT = Statement(
    "SELECT r.id FROM resources r WHERE {scope r} AND r.subject = :subject"
)
ADD_RESOURCE = Statement(
    """INSERT INTO resources (id, tenant_id, workshop_id, type, name, subject)
    VALUES (:id, :tenant, :workshop_id, :type, :name, :subject)"""
)


def to_service(row: Row, offered: dict[str, list[str]]) -> Service:
    return Service.from_document(row["id"], row["tenant_id"], row["definition"], offered[row["id"]])


def to_group(row: Row) -> ServiceGroup:
    return ServiceGroup(
        id=ServiceGroupId(row["id"]),
        names=row["names"],
        position=row["position"],
        service_ids=tuple(ServiceId(s) for s in row["service_ids"]),
    )


def to_resource(row: Row) -> WorkshopResource:
    return WorkshopResource(
        id=ResourceId(row["id"]),
        workshop_id=WorkshopId(row["workshop_id"]),
        type=row["type"],
        name=row["name"],
        subject=row["subject"],
    )


class ServiceRepository(ScopedRepository):
    async def _workshops_of(self, ids: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        if not ids:
            return found
        for row in await self._fetch(OFFERED_AT, ids=list(ids)):
            found[row["service_id"]].append(row["workshop_id"])
        return found

    async def list_all(self, workshop_id: str | None = None) -> list[Service]:
        rows = await self._fetch(SERVICES, workshop_id=workshop_id)
        offered = await self._workshops_of([r["id"] for r in rows])
        return [to_service(r, offered) for r in rows]

    async def get_many(self, ids: Sequence[str]) -> dict[ServiceId, Service]:
        if not ids:
            return {}
        rows = await self._fetch(SERVICES_BY_ID, ids=list(ids))
        offered = await self._workshops_of([r["id"] for r in rows])
        return {ServiceId(r["id"]): to_service(r, offered) for r in rows}

    async def get(self, service_id: str) -> Service | None:
        return (await self.get_many([service_id])).get(ServiceId(service_id))

    async def save(self, service: Service, now: datetime, *, new: bool) -> None:
        definition = service.to_document()
        if new:
            await self._execute(ADD_SERVICE, id=service.id, definition=definition, now=now)
        else:
            await self._execute(UPDATE_SERVICE, id=service.id, definition=definition, now=now)
            await self._execute(UNLINK_WORKSHOPS, id=service.id)
        for workshop_id in service.workshop_ids:
            await self._execute(LINK_WORKSHOP, id=service.id, workshop_id=workshop_id)


class ServiceGroupRepository(ScopedRepository):
    async def list_all(self) -> list[ServiceGroup]:
        return [to_group(r) for r in await self._fetch(GROUPS)]

    async def add(self, group: ServiceGroup) -> None:
        await self._execute(
            ADD_GROUP,
            id=group.id,
            names=dict(group.names),
            position=group.position,
            service_ids=list(group.service_ids),
        )


class ResourceRepository(ScopedRepository):
    async def list_all(self, workshop_id: str | None = None) -> list[WorkshopResource]:
        return [to_resource(r) for r in await self._fetch(RESOURCES, workshop_id=workshop_id)]

    async def get_many(self, ids: Sequence[str]) -> list[WorkshopResource]:
        if not ids:
            return []
        return [to_resource(r) for r in await self._fetch(RESOURCES_BY_ID, ids=list(ids))]

    async def ids_of_subject(self, subject: str) -> list[str]:
        """Resources that are this person (a staff token's ``sub``)."""
        return [r["id"] for r in await self._fetch(RESOURCES_OF_SUBJECT, subject=subject)]

    async def add(self, resource: WorkshopResource) -> None:
        await self._execute(
            ADD_RESOURCE,
            id=resource.id,
            workshop_id=resource.workshop_id,
            type=resource.type,
            name=resource.name,
            subject=resource.subject,
        )

"""Services, service groups and resources of one tenant."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.repositories.tenants import settings_from_document
from booking_gateway.db.repositories.workshops import COLUMNS as WORKSHOP_COLUMNS
from booking_gateway.db.repositories.workshops import to_workshop
from booking_gateway.db.statements import Statement
from booking_gateway.domain.catalog import (
    Service,
    ServiceGroup,
    ServiceGroupId,
    WorkshopResource,
)
from booking_gateway.domain.ids import WorkshopId
from booking_gateway.domain.models import TenantSettings, Workshop
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

# -- a visit's catalog, in one read ------------------------------------------------------------
# Everything placing a visit needs besides what is busy (timeslots, reserve, book, move): the
# workshop (its row decides: none, no catalog), the tenant's settings, the services asked for
# with the workshops offering them, and the workshop's resources, in the orders the separate
# reads above give. Services and resources come back as one JSON array each.

VISIT_CATALOG = Statement(
    f"""SELECT {WORKSHOP_COLUMNS},
        (SELECT t.settings FROM tenants t WHERE {{scope t}}) AS settings,
        (SELECT json_agg(json_build_object('id', s.id, 'tenant_id', s.tenant_id,
                'definition', s.definition, 'workshop_ids',
                (SELECT json_agg(sw.workshop_id ORDER BY sw.workshop_id)
                 FROM service_workshops sw WHERE {{scope sw}} AND sw.service_id = s.id)))
         FROM services s WHERE {{scope s}} AND s.id = ANY(:ids)) AS service_list,
        (SELECT json_agg(json_build_object('id', r.id, 'workshop_id', r.workshop_id,
                'type', r.type, 'name', r.name, 'subject', r.subject) ORDER BY r.type, r.name)
         FROM resources r WHERE {{scope r}} AND r.workshop_id = w.id) AS resource_list
    FROM workshops w WHERE {{scope w}} AND w.id = :id""",
    sqlite=f"""SELECT {WORKSHOP_COLUMNS},
        (SELECT t.settings FROM tenants t WHERE {{scope t}}) AS settings,
        (SELECT json_group_array(json_object('id', s.id, 'tenant_id', s.tenant_id,
                'definition', json(s.definition), 'workshop_ids',
                json((SELECT json_group_array(o.workshop_id) FROM (
                    SELECT sw.workshop_id FROM service_workshops sw
                    WHERE {{scope sw}} AND sw.service_id = s.id ORDER BY sw.workshop_id) o))))
         FROM services s WHERE {{scope s}} AND s.id = ANY(:ids)) AS service_list,
        (SELECT json_group_array(json_object('id', p.id, 'workshop_id', p.workshop_id,
                'type', p.type, 'name', p.name, 'subject', p.subject)) FROM (
            SELECT r.id, r.workshop_id, r.type, r.name, r.subject FROM resources r
            WHERE {{scope r}} AND r.workshop_id = w.id ORDER BY r.type, r.name) p) AS resource_list
    FROM workshops w WHERE {{scope w}} AND w.id = :id""",
)


@dataclass(frozen=True, slots=True)
class VisitCatalog:
    """What placing a visit at a workshop needs from the catalog (``VISIT_CATALOG``)."""

    workshop: Workshop
    settings: TenantSettings
    services: dict[ServiceId, Service]  # those of the ids asked for that exist
    resources: list[WorkshopResource]  # the workshop's, by type and name


def _document(value: Any) -> Any:
    """A JSON value computed by the statement: decoded by asyncpg, text from SQLite."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def to_visit_catalog(row: Row) -> VisitCatalog:
    settings = _document(row["settings"])
    services = {}
    for item in _document(row["service_list"]) or ():
        service = Service.from_document(
            item["id"], item["tenant_id"], item["definition"], item["workshop_ids"] or []
        )
        services[service.id] = service
    resources = [
        WorkshopResource(
            id=ResourceId(item["id"]),
            workshop_id=WorkshopId(item["workshop_id"]),
            type=item["type"],
            name=item["name"],
            subject=item["subject"],
        )
        for item in _document(row["resource_list"]) or ()
    ]
    return VisitCatalog(to_workshop(row), settings_from_document(settings), services, resources)


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

    async def for_visit(self, workshop_id: str, ids: Sequence[str]) -> VisitCatalog | None:
        """The workshop, the tenant's settings, those of the services ``ids`` that exist and
        the workshop's resources, in one statement; None when there is no such workshop."""
        row = await self._fetchrow(VISIT_CATALOG, id=workshop_id, ids=list(ids))
        return to_visit_catalog(row) if row else None

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

"""The catalog: services, service groups, resources and workshop hours. Reads need
``bookings:read``; writes need ``admin``. Tokens without ``staff``/``admin`` see online-bookable
services only."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from booking_gateway.domain.cancellation import MAX_DEADLINE_MINUTES
from booking_gateway.domain.catalog import (
    CustomField,
    CustomFieldType,
    InformationQuestion,
    PriceCategory,
    ScreeningQuestion,
    Service,
    ServiceGroup,
    ServiceGroupId,
    WorkshopResource,
)
from booking_gateway.domain.errors import NotFound
from booking_gateway.domain.ids import WorkshopId
from booking_gateway.domain.models import Workshop
from booking_gateway.domain.patterns import pattern_problem
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.scheduling import OpeningHours, OpeningInterval, ResourceId, ServiceId
from booking_gateway.domain.validation import Problems
from booking_gateway.services import UnitOfWork, utc_now
from booking_gateway.services.admin import check_time_zone, require_tenant_wide
from booking_gateway.services.ports import Repositories

LANGUAGE_RE = re.compile(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$")
HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True, slots=True)
class ServiceInput:
    names: Mapping[str, str]
    duration_minutes: int
    workshop_ids: Sequence[str] = ()
    descriptions: Mapping[str, str] = field(default_factory=dict)
    fixed_duration: bool = True
    slot_interval_minutes: int = 15
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    cancellation_deadline_minutes: int | None = None
    needs_confirmation: bool | None = None
    capacity: int = 1
    online_bookable: bool = True
    group_min: int = 1
    group_max: int = 1
    price_categories: Sequence[PriceCategory] = ()
    information_questions: Sequence[InformationQuestion] = ()
    screening_questions: Sequence[ScreeningQuestion] = ()
    custom_fields: Sequence[CustomField] = ()
    required_resource_types: Sequence[str] = ()
    resource_selection: bool = False
    requires_date_of_birth: bool = False
    combinable_with: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class WorkshopChange:
    name: str | None = None
    dealer_number: str | None = None
    time_zone: str | None = None
    address: Mapping[str, str] | None = None
    latitude: float | None = None
    longitude: float | None = None
    opening_hours: Mapping[int, Sequence[tuple[str, str]]] | None = None
    special_days: Mapping[str, Sequence[tuple[str, str]]] | None = None


def _texts(
    p: Problems, name: str, values: Mapping[str, str], *, required: bool, max_length: int
) -> dict[str, str]:
    if required and not values:
        p.add(name, "give at least one language")
    out = {}
    for language, text in values.items():
        if not LANGUAGE_RE.fullmatch(language):
            p.add(f"{name}.{language}", "is not a language tag such as en or da-DK")
            continue
        clean = p.text(f"{name}.{language}", text, max_length=max_length, required=required)
        if clean:
            out[language] = clean
    return out


def _between(p: Problems, name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        p.add(name, f"must be between {low} and {high}")


def _ids(p: Problems, name: str, items: Sequence[object]) -> None:
    seen = set()
    for i, item in enumerate(items):
        item_id = getattr(item, "id", "")
        if not ID_RE.fullmatch(item_id):
            p.add(f"{name}[{i}].id", "must be 1-64 letters, digits or _ . : -")
        if item_id in seen:
            p.add(f"{name}[{i}].id", f"{item_id!r} is used twice")
        seen.add(item_id)


def check_service(p: Problems, data: ServiceInput) -> None:
    _between(p, "durationMinutes", data.duration_minutes, 1, 24 * 60)
    _between(p, "slotIntervalMinutes", data.slot_interval_minutes, 5, 24 * 60)
    if data.slot_interval_minutes % 5:
        p.add("slotIntervalMinutes", "must be a multiple of 5")
    _between(p, "bufferBeforeMinutes", data.buffer_before_minutes, 0, 480)
    _between(p, "bufferAfterMinutes", data.buffer_after_minutes, 0, 480)
    if data.cancellation_deadline_minutes is not None:
        _between(
            p,
            "cancellationDeadlineMinutes",
            data.cancellation_deadline_minutes,
            0,
            MAX_DEADLINE_MINUTES,
        )
    _between(p, "maxNumberOfReservations", data.capacity, 1, 1000)
    _between(p, "groupBookingMin", data.group_min, 1, 1000)
    _between(p, "groupBookingMax", data.group_max, data.group_min, 1000)
    if data.group_max > data.capacity:
        p.add("groupBookingMax", "cannot exceed maxNumberOfReservations")
    _ids(p, "priceCategories", data.price_categories)
    for i, category in enumerate(data.price_categories):
        p.text(f"priceCategories[{i}].name", category.name, max_length=255, required=True)
        try:
            if Decimal(category.price) < 0:
                p.add(f"priceCategories[{i}].price", "cannot be negative")
        except InvalidOperation:
            p.add(f"priceCategories[{i}].price", "must be a decimal such as 499.00")
        if not re.fullmatch(r"[A-Z]{3}", category.currency):
            p.add(f"priceCategories[{i}].currency", "must be an ISO 4217 code such as DKK")
    questions: dict[str, Sequence[InformationQuestion | ScreeningQuestion]] = {
        "informationQuestions": data.information_questions,
        "screeningQuestions": data.screening_questions,
    }
    for kind, listed in questions.items():
        _ids(p, kind, listed)
        for i, question in enumerate(listed):
            p.text(f"{kind}[{i}].questionText", question.text, max_length=1000, required=True)
            if question.texts:
                _texts(
                    p, f"{kind}[{i}].questionTexts", question.texts, required=True, max_length=1000
                )
    _ids(p, "customFields", data.custom_fields)
    for i, custom in enumerate(data.custom_fields):
        p.text(f"customFields[{i}].name", custom.name, max_length=255, required=True)
        if custom.names:
            _texts(p, f"customFields[{i}].names", custom.names, required=True, max_length=255)
        _between(p, f"customFields[{i}].maxLength", custom.max_length, 1, 4000)
        if custom.type is CustomFieldType.DROPDOWN and not custom.values:
            p.add(f"customFields[{i}].values", "a dropdown needs values")
        if custom.regex is not None:
            problem = pattern_problem(custom.regex)
            if problem is not None:
                p.add(f"customFields[{i}].regEx", problem)
    for i, kind in enumerate(data.required_resource_types):
        p.text(f"requiredResourceTypes[{i}]", kind, max_length=64, required=True)


def check_hours(
    p: Problems,
    time_zone: str,
    weekly: Mapping[int, Sequence[tuple[str, str]]],
    special: Mapping[str, Sequence[tuple[str, str]]],
) -> None:
    def intervals(name: str, pairs: Sequence[tuple[str, str]]) -> tuple[OpeningInterval, ...]:
        out = []
        for opens, closes in pairs:
            if not (HHMM_RE.fullmatch(opens) and HHMM_RE.fullmatch(closes)):
                p.add(name, "times are HH:MM, e.g. 08:00")
                continue
            end = time.fromisoformat(closes)
            if time.fromisoformat(opens).minute % 5 or end.minute % 5:
                # Capacity is counted in 5-minute cells, like durations, buffers and the grid.
                p.add(name, f"{opens}-{closes}: times are on the 5-minute grid, e.g. 08:05")
                continue
            if time.fromisoformat(opens) >= end:
                p.add(name, f"{opens}-{closes} must close after it opens")
                continue
            out.append(OpeningInterval(time.fromisoformat(opens), end))
        return tuple(out)

    parsed_weekly = {}
    for day, pairs in weekly.items():
        if not 0 <= day <= 6:
            p.add("openingHours", "weekdays are 0 (Monday) to 6 (Sunday)")
        parsed_weekly[day] = intervals(f"openingHours.{day}", pairs)
    parsed_special = {}
    for day_text, pairs in special.items():
        try:
            special_day = date.fromisoformat(day_text)
        except ValueError:
            p.add(f"specialDays.{day_text}", "is not a date such as 2026-12-24")
            continue
        parsed_special[special_day] = intervals(f"specialDays.{day_text}", pairs)
    if p.items:
        return
    try:
        OpeningHours(time_zone, parsed_weekly, parsed_special)
    except ValueError as exc:
        p.add("openingHours", str(exc))


class CatalogService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._uow = uow
        self._principal = principal
        self._clock = clock

    def _visible(self, service: Service) -> bool:
        return service.online_bookable or self._principal.is_staff

    async def services(self, workshop_id: str | None = None) -> list[Service]:
        self._principal.require(Scope.BOOKINGS_READ)
        found = await self._uow.read().services.list_all(workshop_id)
        return [s for s in found if self._visible(s)]

    async def services_by_id(self, ids: Sequence[str]) -> list[Service | None]:
        self._principal.require(Scope.BOOKINGS_READ)
        found = await self._uow.read().services.get_many(ids)
        return [
            s if (s := found.get(ServiceId(i))) is not None and self._visible(s) else None
            for i in ids
        ]

    async def service_groups(self) -> list[ServiceGroup]:
        self._principal.require(Scope.BOOKINGS_READ)
        return await self._uow.read().service_groups.list_all()

    async def workshops_for_service(self, service_id: str) -> list[Workshop]:
        self._principal.require(Scope.BOOKINGS_READ)
        repos = self._uow.read()
        service = await repos.services.get(service_id)
        if service is None or not self._visible(service):
            return []
        return list(await repos.workshops.get_many(service.workshop_ids))

    async def resources(self, workshop_id: str | None = None) -> list[WorkshopResource]:
        self._principal.require(Scope.BOOKINGS_READ)
        return await self._uow.read().resources.list_all(workshop_id)

    async def save_service(self, data: ServiceInput, service_id: str | None = None) -> Service:
        self._principal.require(Scope.ADMIN)
        require_tenant_wide(self._principal)
        p = Problems()
        names = _texts(p, "names", data.names, required=True, max_length=255)
        descriptions = _texts(p, "descriptions", data.descriptions, required=False, max_length=4000)
        check_service(p, data)
        p.raise_if_any()
        async with self._uow.begin() as repos:
            existing = await repos.services.get(service_id) if service_id else None
            if service_id and existing is None:
                raise NotFound(f"No service {service_id!r}")
            new_id = ServiceId(service_id or str(uuid.uuid4()))
            known_workshops = {w.id for w in await repos.workshops.get_many(data.workshop_ids)}
            for i, workshop_id in enumerate(data.workshop_ids):
                if workshop_id not in known_workshops:
                    p.add(f"workshopIds[{i}]", f"no workshop {workshop_id!r}")
            others = await repos.services.get_many(data.combinable_with)
            for i, other in enumerate(data.combinable_with):
                if other not in others or other == new_id:
                    p.add(f"combinableWith[{i}]", f"no other service {other!r}")
            p.raise_if_any()
            service = Service(
                id=new_id,
                tenant_id=self._principal.tenant,
                names=names,
                descriptions=descriptions,
                duration_minutes=data.duration_minutes,
                fixed_duration=data.fixed_duration,
                slot_interval_minutes=data.slot_interval_minutes,
                buffer_before_minutes=data.buffer_before_minutes,
                buffer_after_minutes=data.buffer_after_minutes,
                cancellation_deadline_minutes=data.cancellation_deadline_minutes,
                needs_confirmation=data.needs_confirmation,
                capacity=data.capacity,
                online_bookable=data.online_bookable,
                group_min=data.group_min,
                group_max=data.group_max,
                price_categories=tuple(data.price_categories),
                information_questions=tuple(data.information_questions),
                screening_questions=tuple(data.screening_questions),
                custom_fields=tuple(data.custom_fields),
                required_resource_types=tuple(data.required_resource_types),
                resource_selection=data.resource_selection,
                requires_date_of_birth=data.requires_date_of_birth,
                combinable_with=tuple(ServiceId(s) for s in data.combinable_with),
                workshop_ids=tuple(WorkshopId(w) for w in sorted(set(data.workshop_ids))),
            )
            await repos.services.save(service, self._clock(), new=existing is None)
            return service

    async def create_service_group(
        self, names: Mapping[str, str], service_ids: Sequence[str], position: int = 0
    ) -> ServiceGroup:
        self._principal.require(Scope.ADMIN)
        require_tenant_wide(self._principal)
        p = Problems()
        clean = _texts(p, "names", names, required=True, max_length=255)
        p.raise_if_any()
        async with self._uow.begin() as repos:
            found = await repos.services.get_many(service_ids)
            for i, service_id in enumerate(service_ids):
                if service_id not in found:
                    p.add(f"serviceIds[{i}]", f"no service {service_id!r}")
            p.raise_if_any()
            group = ServiceGroup(
                id=ServiceGroupId(str(uuid.uuid4())),
                names=clean,
                position=position,
                service_ids=tuple(ServiceId(s) for s in service_ids),
            )
            await repos.service_groups.add(group)
            return group

    async def create_resource(
        self, workshop_id: str, kind: str, name: str, subject: str | None = None
    ) -> WorkshopResource:
        self._principal.require(Scope.ADMIN)
        p = Problems()
        clean_kind = p.text("type", kind, max_length=64, required=True)
        clean_name = p.text("name", name, max_length=255, required=True)
        clean_subject = p.text("subject", subject, max_length=255)
        p.raise_if_any()
        async with self._uow.begin() as repos:
            if await repos.workshops.get(workshop_id) is None:
                raise NotFound(f"No workshop {workshop_id!r}")
            resource = WorkshopResource(
                id=ResourceId(str(uuid.uuid4())),
                workshop_id=WorkshopId(workshop_id),
                type=clean_kind or "",
                name=clean_name or "",
                subject=clean_subject,
            )
            await repos.resources.add(resource)
            return resource

    async def update_workshop(self, workshop_id: str, change: WorkshopChange) -> Workshop:
        self._principal.require(Scope.ADMIN)
        async with self._uow.begin() as repos:
            workshop = await repos.workshops.get(workshop_id)
            if workshop is None:
                raise NotFound(f"No workshop {workshop_id!r}")
            p = Problems()
            zone = (
                check_time_zone(p, "timeZone", change.time_zone)
                if change.time_zone is not None
                else workshop.time_zone
            )
            name = p.text("name", change.name, max_length=255) if change.name else workshop.name
            weekly = (
                {int(k): [tuple(v) for v in vs] for k, vs in workshop.opening_hours.items()}
                if change.opening_hours is None
                else change.opening_hours
            )
            special = workshop.special_days if change.special_days is None else change.special_days
            check_hours(p, zone or "UTC", weekly, special)  # type: ignore[arg-type]
            if change.latitude is not None and not -90 <= change.latitude <= 90:
                p.add("location.latitude", "must be between -90 and 90")
            if change.longitude is not None and not -180 <= change.longitude <= 180:
                p.add("location.longitude", "must be between -180 and 180")
            address = None
            if change.address is not None:
                address = {
                    k: p.text(f"address.{k}", v, max_length=255) or ""
                    for k, v in change.address.items()
                }
            dealer = workshop.dealer_number
            if change.dealer_number is not None:
                dealer = p.text("dealerNumber", change.dealer_number, max_length=64)
                other = await repos.workshops.by_dealer_number(dealer) if dealer else None
                if other is not None and other.id != workshop.id:
                    p.add("dealerNumber", f"{dealer!r} is used by another workshop")
            p.raise_if_any()
            updated = replace(
                workshop,
                name=name or workshop.name,
                dealer_number=dealer,
                time_zone=zone or workshop.time_zone,
                address=address if change.address is not None else workshop.address,
                latitude=change.latitude if change.latitude is not None else workshop.latitude,
                longitude=(
                    change.longitude if change.longitude is not None else workshop.longitude
                ),
                opening_hours={str(k): [list(i) for i in v] for k, v in weekly.items()},
                special_days={k: [list(i) for i in v] for k, v in special.items()},
            )
            await repos.workshops.update(updated)
            if updated.time_zone != workshop.time_zone:
                await self._relocalise(repos, updated)
            return updated

    async def _relocalise(self, repos: Repositories, workshop: Workshop) -> None:
        """A new time zone moves the local dates and list order of the workshop's bookings
        (derived values: the instants, and so the revisions and history, stay as they are)."""
        zone = ZoneInfo(workshop.time_zone)
        for booking in await repos.bookings.of_workshop(workshop.id):
            start = booking.appointment.starts_at
            local_date = start.astimezone(zone).date() if start else booking.appointment.local_date
            moved = replace(
                booking,
                time_zone=workshop.time_zone,
                appointment=replace(booking.appointment, local_date=local_date),
            )
            await repos.bookings.update(moved, expected_revision=booking.revision)

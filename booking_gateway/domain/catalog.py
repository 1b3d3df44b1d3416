"""What a tenant offers: services (with their questions, custom fields and prices), service
groups, resources, customers, and held reservations. Plain values; ``to_document`` /
``from_document`` are the stored JSON form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NewType

from booking_gateway.domain.ids import BookingId, TenantId, WorkshopId
from booking_gateway.domain.scheduling import (
    AllocatedService,
    OpeningHours,
    OpeningInterval,
    Resource,
    ResourceId,
    ServiceId,
    ServiceSpec,
)

ReservationId = NewType("ReservationId", str)
CustomerId = NewType("CustomerId", str)
GroupId = NewType("GroupId", str)
ServiceGroupId = NewType("ServiceGroupId", str)

__all__ = ["BookingId", "ResourceId", "ServiceId"]


def pick_text(values: Mapping[str, str], languages: Sequence[str], fallback: str = "en") -> str:
    """The best text for an Accept-Language preference list: exact tag, then the primary
    language (``da`` for ``da-DK``), then the fallback language, then any."""
    if not values:
        return ""
    found = _match(values, languages)
    if found is not None:
        return found
    lowered = {k.lower().replace("_", "-"): v for k, v in values.items()}
    return lowered.get(fallback) or next(iter(values.values()))


def translated(text: str, translations: Mapping[str, str], languages: Sequence[str]) -> str:
    """A text written once with optional translations (question texts, custom field labels):
    the translation the Accept-Language list matches as ``pick_text`` does, else ``text``."""
    found = _match(translations, languages)
    return text if found is None else found


def _match(values: Mapping[str, str], languages: Sequence[str]) -> str | None:
    lowered = {k.lower().replace("_", "-"): v for k, v in values.items()}
    for language in languages:
        tag = language.lower().replace("_", "-")
        if tag in lowered:
            return lowered[tag]
        primary = tag.split("-")[0]
        for key, value in lowered.items():
            if key.split("-")[0] == primary:
                return value
    return None


class CustomFieldType(StrEnum):
    TEXT = "TEXT"
    MULTILINE_TEXT = "MULTILINE_TEXT"
    NUMBER = "NUMBER"
    DATE = "DATE"
    CHECKBOX = "CHECKBOX"
    DROPDOWN = "DROPDOWN"


@dataclass(frozen=True, slots=True)
class CustomField:
    id: str
    name: str  # the label; ``names`` translate it (language tag -> label)
    type: CustomFieldType = CustomFieldType.TEXT
    description: str | None = None
    mandatory: bool = False
    mandatory_error_message: str | None = None
    max_length: int = 255
    regex: str | None = None
    regex_error_message: str | None = None
    values: tuple[str, ...] = ()
    default_value: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PriceCategory:
    id: str
    name: str
    price: str  # a decimal as text, e.g. "499.00": no float rounding
    currency: str
    occupies_spot: bool = True


@dataclass(frozen=True, slots=True)
class InformationQuestion:
    id: str
    text: str  # ``texts`` translate it (language tag -> text)
    required: bool = False
    clarification: str | None = None
    texts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScreeningQuestion:
    id: str
    text: str  # ``texts`` translate it (language tag -> text)
    yes_required_answer: bool = True
    clarification: str | None = None
    answer_denied_message: str | None = None
    texts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Service:
    id: ServiceId
    tenant_id: TenantId
    names: Mapping[str, str]
    duration_minutes: int
    descriptions: Mapping[str, str] = field(default_factory=dict)
    fixed_duration: bool = True  # False: the booking gives its end (at least duration_minutes)
    slot_interval_minutes: int = 15
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    capacity: int = 1  # maxNumberOfReservations: concurrent spots per slot
    online_bookable: bool = True
    group_min: int = 1
    group_max: int = 1
    price_categories: tuple[PriceCategory, ...] = ()
    information_questions: tuple[InformationQuestion, ...] = ()
    screening_questions: tuple[ScreeningQuestion, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    required_resource_types: tuple[str, ...] = ()
    resource_selection: bool = False  # the customer may choose a resource
    requires_date_of_birth: bool = False
    combinable_with: tuple[ServiceId, ...] = ()
    workshop_ids: tuple[WorkshopId, ...] = ()
    cancellation_deadline_minutes: int | None = None  # None: the tenant's
    needs_confirmation: bool | None = None  # None: the tenant's bookingsNeedConfirmation

    def spec(self, duration: timedelta | None = None) -> ServiceSpec:
        return ServiceSpec(
            id=self.id,
            duration=duration or timedelta(minutes=self.duration_minutes),
            capacity=self.capacity,
            buffer_before=timedelta(minutes=self.buffer_before_minutes),
            buffer_after=timedelta(minutes=self.buffer_after_minutes),
            slot_interval=timedelta(minutes=self.slot_interval_minutes),
            required_resource_types=self.required_resource_types,
        )

    def to_document(self) -> dict[str, Any]:
        document = asdict(self)
        document.pop("id")
        document.pop("tenant_id")
        document.pop("workshop_ids")
        return document

    @classmethod
    def from_document(
        cls, service_id: str, tenant_id: str, doc: Mapping[str, Any], workshop_ids: Sequence[str]
    ) -> Service:
        return cls(
            id=ServiceId(service_id),
            tenant_id=TenantId(tenant_id),
            names=dict(doc["names"]),
            descriptions=dict(doc.get("descriptions") or {}),
            duration_minutes=doc["duration_minutes"],
            fixed_duration=doc.get("fixed_duration", True),
            slot_interval_minutes=doc.get("slot_interval_minutes", 15),
            buffer_before_minutes=doc.get("buffer_before_minutes", 0),
            buffer_after_minutes=doc.get("buffer_after_minutes", 0),
            cancellation_deadline_minutes=doc.get("cancellation_deadline_minutes"),
            needs_confirmation=doc.get("needs_confirmation"),
            capacity=doc.get("capacity", 1),
            online_bookable=doc.get("online_bookable", True),
            group_min=doc.get("group_min", 1),
            group_max=doc.get("group_max", 1),
            price_categories=tuple(PriceCategory(**p) for p in doc.get("price_categories", ())),
            information_questions=tuple(
                InformationQuestion(**q) for q in doc.get("information_questions", ())
            ),
            screening_questions=tuple(
                ScreeningQuestion(**q) for q in doc.get("screening_questions", ())
            ),
            custom_fields=tuple(
                CustomField(
                    **{
                        **f,
                        "type": CustomFieldType(f["type"]),
                        "values": tuple(f.get("values", ())),
                    }
                )
                for f in doc.get("custom_fields", ())
            ),
            required_resource_types=tuple(doc.get("required_resource_types", ())),
            resource_selection=doc.get("resource_selection", False),
            requires_date_of_birth=doc.get("requires_date_of_birth", False),
            combinable_with=tuple(ServiceId(s) for s in doc.get("combinable_with", ())),
            workshop_ids=tuple(WorkshopId(w) for w in workshop_ids),
        )


@dataclass(frozen=True, slots=True)
class ServiceGroup:
    id: ServiceGroupId
    names: Mapping[str, str]
    position: int
    service_ids: tuple[ServiceId, ...]


@dataclass(frozen=True, slots=True)
class WorkshopResource:
    id: ResourceId
    workshop_id: WorkshopId
    type: str
    name: str
    subject: str | None = None  # the token `sub` of a person who is this resource

    def as_scheduling(self) -> Resource:
        return Resource(self.id, self.type)


@dataclass(frozen=True, slots=True)
class Customer:
    id: CustomerId
    personal_identifier: str
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    date_of_birth: date | None = None


class ReservationStatus(StrEnum):
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


def line_document(line: AllocatedService) -> dict[str, Any]:
    """A reservation's allocated service line, as stored in its JSON."""
    return {
        "serviceId": line.service_id,
        "start": line.start.isoformat(),
        "end": line.end.isoformat(),
        "blockedStart": line.blocked_start.isoformat(),
        "blockedEnd": line.blocked_end.isoformat(),
        "resourceIds": list(line.resource_ids),
    }


def line_from_document(doc: Mapping[str, Any]) -> AllocatedService:
    return AllocatedService(
        service_id=ServiceId(doc["serviceId"]),
        start=datetime.fromisoformat(doc["start"]),
        end=datetime.fromisoformat(doc["end"]),
        blocked_start=datetime.fromisoformat(doc["blockedStart"]),
        blocked_end=datetime.fromisoformat(doc["blockedEnd"]),
        resource_ids=tuple(ResourceId(r) for r in doc["resourceIds"]),
    )


@dataclass(frozen=True, slots=True)
class Reservation:
    id: ReservationId
    workshop_id: WorkshopId
    status: ReservationStatus
    starts_at: datetime
    ends_at: datetime
    expires_at: datetime
    spots: int
    lines: tuple[AllocatedService, ...]  # the visit's services as allocated
    created_by: str
    created_at: datetime
    notes: str | None = None
    group_id: GroupId | None = None
    customer_key: str | None = None  # a customer token's personal identifier: only it sees it

    def is_live(self, now: datetime) -> bool:
        return self.status is ReservationStatus.HELD and self.expires_at > now


def opening_hours(
    time_zone: str,
    weekly: Mapping[str, Sequence[Sequence[str]]] | None,
    special: Mapping[str, Sequence[Sequence[str]]] | None,
) -> OpeningHours:
    """Stored JSON hours -> the scheduler's value. Keys: weekday 0-6 (Monday 0), ISO dates."""

    def intervals(pairs: Sequence[Sequence[str]]) -> tuple[OpeningInterval, ...]:
        return tuple(
            OpeningInterval(time.fromisoformat(a), time.fromisoformat(b)) for a, b in pairs
        )

    return OpeningHours(
        time_zone=time_zone,
        weekly={int(day): intervals(pairs) for day, pairs in (weekly or {}).items()},
        special_days={date.fromisoformat(day): intervals(p) for day, p in (special or {}).items()},
    )

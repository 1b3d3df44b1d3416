"""The Connected Cars compatible import: its wire input, the rules that check it, and what the
service reads before it writes (one statement: ``ImportContext``).

Key: (tenant, bookingSource, bookingId).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from booking_gateway.domain.ids import WorkshopId
from booking_gateway.domain.models import Appointment, Booking, Precision, TenantSettings
from booking_gateway.domain.validation import LIMITS, Problems


class Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep()
"""An optional field the client left out of a change: keep the stored value."""


@dataclass(frozen=True, slots=True)
class ImportInput:
    """The wire input, as sent. Optional fields may be KEEP (omitted) on a change."""

    booking_source: str
    booking_id: str
    booking_dealer: str
    vin: str
    appointment_date: str
    reason_key: str | Keep | None = None
    reason_text: str | Keep | None = None
    fleet_id: str | Keep | None = None
    workshop_id: str | Keep | None = None
    booking_created_at: str | Keep | None = None


@dataclass(frozen=True, slots=True)
class CheckedImport:
    source: str
    external_id: str
    dealer: str
    vin: str
    appointment: date | datetime
    reason_key: str | Keep | None
    reason_text: str | Keep | None
    fleet_id: str | Keep | None
    workshop_ref: str | Keep | None
    booking_created_at: datetime | Keep | None


def check_import(data: ImportInput) -> CheckedImport:
    p = Problems()

    def optional(field: str, value: str | Keep | None, max_length: int) -> str | Keep | None:
        return value if isinstance(value, Keep) else p.text(field, value, max_length=max_length)

    source = p.text("bookingSource", data.booking_source, max_length=LIMITS.source, required=True)
    external_id = p.text("bookingId", data.booking_id, max_length=LIMITS.booking_id, required=True)
    dealer = p.text("bookingDealer", data.booking_dealer, max_length=LIMITS.dealer, required=True)
    vin = p.vin("vin", data.vin)
    appointment_text = p.text(
        "appointmentDate", data.appointment_date, max_length=64, required=True
    )
    appointment = (
        p.date_or_timestamp("appointmentDate", appointment_text) if appointment_text else None
    )
    created_text = optional("bookingCreatedAt", data.booking_created_at, 64)
    created: datetime | Keep | None = created_text if isinstance(created_text, Keep) else None
    if isinstance(created_text, str):
        created = p.timestamp("bookingCreatedAt", created_text)
    checked = {
        "reason_key": optional("reasonKey", data.reason_key, LIMITS.reason_key),
        "reason_text": optional("reasonText", data.reason_text, LIMITS.reason_text),
        "fleet_id": optional("fleetId", data.fleet_id, LIMITS.external_ref),
        "workshop_ref": optional("workshopId", data.workshop_id, LIMITS.external_ref),
    }
    p.raise_if_any()
    if not (source and external_id and dealer and vin and appointment):  # pragma: no cover
        raise AssertionError("validated above")
    return CheckedImport(
        source=source,
        external_id=external_id,
        dealer=dealer,
        vin=vin,
        appointment=appointment,
        booking_created_at=created,
        **checked,
    )


def appointment_in(value: date | datetime, time_zone: str) -> Appointment:
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(time_zone))
        return Appointment(Precision.DATETIME, local.date(), value)
    return Appointment(Precision.DATE, value, None)


@dataclass(frozen=True, slots=True)
class WorkshopLink:
    """What an imported booking needs of its workshop."""

    id: WorkshopId
    time_zone: str


@dataclass(frozen=True, slots=True)
class ImportLookup:
    """What one push looks up before it writes."""

    source: str
    external_id: str
    dealer: str
    workshop_ref: str | None
    keep_workshop_ref: bool = False  # a change that omits workshopId keeps the stored one
    own_workshop: WorkshopId | None = None  # a workshop-scoped token's workshop


@dataclass(frozen=True, slots=True)
class ImportConfig:
    """What a push needs of the tenant's configuration: its policies and the candidate
    workshops (by the gateway's workshop id, by dealer number, the token's own), as of the
    tenant's configuration ``revision``. It rarely changes, so processes cache it; a write
    made with it applies only if the revision is still current."""

    settings: TenantSettings
    by_ref: WorkshopLink | None
    by_dealer: WorkshopLink | None
    own: WorkshopLink | None
    revision: int


@dataclass(frozen=True, slots=True)
class ImportContext:
    """The configuration and the booking under the key (if this token can see it)."""

    config: ImportConfig
    existing: Booking | None


class Inserted(Enum):
    """What became of an import's insert."""

    INSERTED = "inserted"
    EXISTS = "exists"  # the key is taken (nothing written)
    STALE = "stale"  # the configuration changed since it was read (nothing written)


class InsertResult(NamedTuple):
    outcome: Inserted
    existing: Booking | None = None  # with EXISTS: the booking under the key, when read with it


@dataclass(frozen=True, slots=True)
class CancelContext:
    settings: TenantSettings
    matches: list[Booking]

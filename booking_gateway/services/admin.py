"""Tenant administration: policies and workshops. Needs the ``admin`` scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from booking_gateway.domain.cancellation import MAX_DEADLINE_MINUTES
from booking_gateway.domain.errors import FieldProblem, PermissionDenied, ValidationFailed
from booking_gateway.domain.ids import new_workshop_id
from booking_gateway.domain.models import TenantSettings, Workshop
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.validation import LIMITS, Problems
from booking_gateway.services import UnitOfWork, utc_now

MAX_SOURCES = 50


@dataclass(frozen=True, slots=True)
class SettingsChange:
    allowed_booking_sources: list[str] | None = None
    one_active_booking_per_vehicle: bool | None = None
    reservation_hold_minutes: int | None = None
    minimum_notice_minutes: int | None = None
    booking_horizon_days: int | None = None
    customer_changes_need_approval: bool | None = None
    cancellation_deadline_minutes: int | None = None
    customer_email_required: bool | None = None
    bookings_need_confirmation: bool | None = None


POLICY_RANGES = {
    "reservation_hold_minutes": ("reservationHoldMinutes", 1, 120),
    "minimum_notice_minutes": ("minimumNoticeMinutes", 0, 7 * 24 * 60),
    "booking_horizon_days": ("bookingHorizonDays", 1, 730),
    "cancellation_deadline_minutes": ("cancellationDeadlineMinutes", 0, MAX_DEADLINE_MINUTES),
}


@cache
def _zones() -> frozenset[str]:
    """IANA zone names: the tz database's list, without its aliases of the host's own zone
    and its placeholder (``localtime``, ``posixrules``, ``Factory``)."""
    return frozenset(available_timezones() | {"UTC"}) - {"localtime", "posixrules", "Factory"}


def check_time_zone(p: Problems, field: str, value: str | None) -> str | None:
    text = p.text(field, value, max_length=64, required=True)
    if text is None:
        return None
    # Checked against the list first: ZoneInfo("America") opens a directory (OSError).
    if text not in _zones():
        p.add(field, f"{text!r} is not an IANA time zone such as Europe/Copenhagen")
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        p.add(field, f"{text!r} is not an IANA time zone such as Europe/Copenhagen")
        return None
    return text


def require_tenant_wide(principal: Principal) -> None:
    """Tenant-wide administration is not for a token bound to one workshop."""
    if principal.workshop is not None:
        raise PermissionDenied("A workshop-scoped token cannot change tenant-wide settings")


class AdminService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._uow = uow
        self._principal = principal
        self._clock = clock

    async def settings(self) -> TenantSettings:
        self._principal.require(Scope.BOOKINGS_READ)
        return await self._uow.read().tenants.settings()

    async def update_settings(self, change: SettingsChange) -> TenantSettings:
        self._principal.require(Scope.ADMIN)
        require_tenant_wide(self._principal)
        p = Problems()
        sources: list[str] = []
        for i, raw in enumerate(change.allowed_booking_sources or []):
            text = p.text(
                f"allowedBookingSources[{i}]", raw, max_length=LIMITS.source, required=True
            )
            if text:
                sources.append(text)
        if change.allowed_booking_sources is not None and not change.allowed_booking_sources:
            p.add("allowedBookingSources", "must name at least one source")
        if len(sources) > MAX_SOURCES:
            p.add("allowedBookingSources", f"at most {MAX_SOURCES} sources")
        for attribute, (name, low, high) in POLICY_RANGES.items():
            value = getattr(change, attribute)
            if value is not None and not low <= value <= high:
                p.add(name, f"must be between {low} and {high}")
        p.raise_if_any()
        async with self._uow.begin() as repos:
            await repos.tenants.lock(create_at=self._clock())
            current = await repos.tenants.settings()
            updated = replace(
                current,
                **{
                    attribute: getattr(change, attribute)
                    for attribute in (
                        *POLICY_RANGES,
                        "one_active_booking_per_vehicle",
                        "customer_changes_need_approval",
                        "customer_email_required",
                        "bookings_need_confirmation",
                    )
                    if getattr(change, attribute) is not None
                },
            )
            if change.allowed_booking_sources is not None:
                updated = replace(updated, allowed_booking_sources=frozenset(sources))
            await repos.tenants.save_settings(updated, self._clock())
            return updated

    async def workshops(self) -> list[Workshop]:
        self._principal.require(Scope.BOOKINGS_READ)
        return await self._uow.read().workshops.list_all()

    async def create_workshop(
        self, name: str, time_zone: str, dealer_number: str | None = None
    ) -> Workshop:
        self._principal.require(Scope.ADMIN)
        require_tenant_wide(self._principal)
        p = Problems()
        clean_name = p.text("name", name, max_length=255, required=True)
        zone = check_time_zone(p, "timeZone", time_zone)
        dealer = p.text("dealerNumber", dealer_number, max_length=LIMITS.dealer)
        p.raise_if_any()
        assert clean_name  # noqa: S101 - checked above
        assert zone  # noqa: S101
        workshop = Workshop(
            id=new_workshop_id(),
            tenant_id=self._principal.tenant,
            name=clean_name,
            dealer_number=dealer,
            time_zone=zone,
            created_at=self._clock(),
        )
        async with self._uow.begin() as repos:
            if dealer and await repos.workshops.by_dealer_number(dealer):
                raise ValidationFailed(
                    [FieldProblem("dealerNumber", f"{dealer!r} is used by another workshop")]
                )
            if not await repos.workshops.add(workshop):
                raise ValidationFailed(
                    [FieldProblem("dealerNumber", f"{dealer!r} is used by another workshop")]
                )
        return workshop

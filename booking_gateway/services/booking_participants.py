"""Booking participants: staff replace the people on a booking (by person id, by name, or
both, with an optional role)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from booking_gateway.domain.models import AuditAction, Booking, RequestMeta
from booking_gateway.domain.principal import Principal, Scope
from booking_gateway.domain.validation import Problems
from booking_gateway.services import Clock, UnitOfWork, utc_now
from booking_gateway.services.operations import Target, lock, require_staff, save

MAX_PARTICIPANTS = 20


class BookingParticipantService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        meta: RequestMeta,
        clock: Clock = utc_now,
    ) -> None:
        self._uow = uow
        self._principal = principal
        self._meta = meta
        self._clock = clock

    async def set_participants(
        self,
        booking_id: str,
        participants: Sequence[Mapping[str, Any]],
        expected_revision: int | None,
    ) -> Booking:
        self._principal.require(Scope.BOOKINGS_WRITE)
        require_staff(self._principal)
        p = Problems()
        if len(participants) > MAX_PARTICIPANTS:
            p.add("participants", f"at most {MAX_PARTICIPANTS}")
        clean = []
        for i, given in enumerate(participants):
            person = p.text(f"participants[{i}].personId", given.get("personId"), max_length=64)
            name = p.text(f"participants[{i}].name", given.get("name"), max_length=255)
            role = p.text(f"participants[{i}].role", given.get("role"), max_length=64)
            if person is None and name is None:
                p.add(f"participants[{i}]", "give a personId or a name")
            clean.append({"personId": person, "name": name, "role": role})
        p.raise_if_any()
        now = self._clock()
        async with self._uow.begin() as repos:
            [booking] = await lock(repos, Target(booking_id=booking_id), expected_revision)
            changed = replace(booking, participants=tuple(clean))
            return await save(
                repos, self._principal, self._meta, booking, changed, AuditAction.CHANGED, now
            )

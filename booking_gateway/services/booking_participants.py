"""Booking participants: staff, or the customer on their own booking, replace the people on a
booking (BRP participants: by person id, by first and last name, or a free-text name, with an
optional role). Each participant has an id; give it back to keep a participant's identity. A
customer replaces only the participants they added; those staff added stay."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from booking_gateway.domain.errors import FieldProblem, ValidationFailed
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
        if not self._principal.is_customer:  # a customer's scope holds only their bookings
            require_staff(self._principal)
        p = Problems()
        if len(participants) > MAX_PARTICIPANTS:
            p.add("participants", f"at most {MAX_PARTICIPANTS}")
        clean = []
        ids: set[str] = set()
        for i, given in enumerate(participants):
            at = f"participants[{i}]"
            participant_id = p.text(f"{at}.id", given.get("id"), max_length=64)
            person = p.text(f"{at}.personId", given.get("personId"), max_length=64)
            first = p.text(f"{at}.firstName", given.get("firstName"), max_length=255)
            last = p.text(f"{at}.lastName", given.get("lastName"), max_length=255)
            name = p.text(f"{at}.name", given.get("name"), max_length=255)
            role = p.text(f"{at}.role", given.get("role"), max_length=64)
            if person is None and name is None and first is None and last is None:
                p.add(at, "give a personId, a name or first and last names")
            participant_id = participant_id or str(uuid.uuid4())
            if participant_id in ids:
                p.add(f"{at}.id", "is used twice")
            ids.add(participant_id)
            full = " ".join(n for n in (first, last) if n) or None
            clean.append(
                {
                    "id": participant_id,
                    "personId": person,
                    "firstName": first,
                    "lastName": last,
                    "name": name or full,
                    "role": role,
                }
            )
        p.raise_if_any()
        now = self._clock()
        by_customer = self._principal.is_customer
        for participant in clean:
            participant["addedBy"] = "customer" if by_customer else "staff"
        async with self._uow.begin() as repos:
            [booking] = await lock(repos, Target(booking_id=booking_id), expected_revision)
            if by_customer:
                # A customer replaces the people they added; staff's (a technician) stay.
                kept = [dict(p) for p in booking.participants if p.get("addedBy") != "customer"]
                clean = kept + clean
                if len(clean) > MAX_PARTICIPANTS:
                    raise ValidationFailed(
                        [FieldProblem("participants", f"at most {MAX_PARTICIPANTS} in all")]
                    )
            changed = replace(booking, participants=tuple(clean))
            return await save(
                repos, self._principal, self._meta, booking, changed, AuditAction.CHANGED, now
            )

"""What is already taken, read off in one sweep for all the starts of a query.

At every start the scheduler asks the same two questions about each part of the visit: how
many spots of its service are in use during its blocked window, and which resources are busy
during it. The window is ``[start + lead, start + tail)`` with the same ``lead`` and ``tail``
at every start, and the starts are sorted, so both ends of the window only move forward.
``scan`` walks the busy lines, sorted once by start and once by end, alongside the starts (a
line overlaps a window exactly when it starts before the window ends and ends after the window
starts) instead of searching the lines again at every start and for every resource.

Resources are bits of one int (``Resources``). Each resource has a field of a few bits that
counts the lines holding it that overlap the window, topped by its flag bit; a line entering
the window adds its resources' units and one leaving subtracts them, and one addition and one
AND turn the counts into the flags of the busy resources. Free resources are then counted
with ``int.bit_count`` and the first free one is the lowest set bit.

Spots: the sweep sums the spots of the lines overlapping a window. That bounds the peak in
use from above and is the peak when they all overlap one another; where it could decide a
start, ``peak`` gives the exact figure (binary searches over the same sorted lines).

Everything is exact: lines keep their own instants (to the microsecond) and nothing is
rounded to a grid. Only lines that block at ``now`` count: those without ``expires_at`` or
expiring later.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from operator import itemgetter

from booking_gateway.domain.scheduling.model import Busy, BusyKind, ResourceId, ServiceId

# A busy line as the sweep reads it: start, end, the units of its resources, service, spots.
_Row = tuple[datetime, datetime, int, ServiceId | None, int]
_START, _END = itemgetter(0), itemgetter(1)
_NEVER = datetime.max.replace(tzinfo=UTC)
_HOLD = BusyKind.HOLD  # (reading an enum member off its class is slow in Python 3.11)


class Resources:
    """The resources that can be taken, as flag bits of an int: resource ``k`` of ``ids`` (in
    order of preference) has flag ``1 << (width * (k + 1) - 1)``, and the ``width - 1`` bits
    below it count its lines, in ``unit``s; ``width`` leaves room for ``lines`` lines on one
    resource. ``(counts + carry) & flags`` is the flags of the resources counted in ``counts``
    (adding 0b0111..1 to a field sets its flag bit exactly when its count is not zero)."""

    __slots__ = ("carry", "flag", "flags", "name", "unit")

    def __init__(self, ids: Sequence[ResourceId], lines: int) -> None:
        width = lines.bit_length() + 1
        self.unit = {resource_id: 1 << (width * k) for k, resource_id in enumerate(ids)}
        self.flag = {key: unit << (width - 1) for key, unit in self.unit.items()}
        self.name = {flag: key for key, flag in self.flag.items()}  # flag -> id
        self.flags = sum(self.flag.values())
        self.carry = sum(unit * ((1 << (width - 1)) - 1) for unit in self.unit.values())


class Occupancy:
    """Busy lines that block at ``now``, as far as ``services`` and ``resources`` care."""

    __slots__ = (
        "_begin_at",
        "_end_at",
        "_entering",
        "_gained",
        "_leaving",
        "_lost",
        "_per_service",
        "_services",
        "has_holds",
    )

    def __init__(
        self,
        busy: Iterable[Busy],
        now: datetime,
        services: Collection[ServiceId],
        resources: Resources,
        *,
        include_holds: bool = True,
    ) -> None:
        units = resources.unit
        rows: list[_Row] = []
        self.has_holds = False
        for line in busy:
            expires_at = line.expires_at
            if expires_at is not None:  # (every hold has one)
                if expires_at <= now:
                    continue
                if line.kind is _HOLD:
                    self.has_holds = True
                    if not include_holds:
                        continue
            held_by = line.resource_ids
            if len(held_by) == 1:  # (the usual case, in one step)
                held = units.get(held_by[0], 0)
            else:
                held = 0
                for resource_id in held_by:
                    held |= units.get(resource_id, 0)  # |: a resource listed twice counts once
            service_id = line.service_id if line.spots and line.service_id in services else None
            if held or service_id is not None:
                spots = 0 if service_id is None else line.spots
                rows.append((line.start, line.end, held, service_id, spots))
        rows.append(_SENTINEL)  # a line no window reaches: the sweep needs no bounds checks
        by_start, by_end = sorted(rows, key=_START), sorted(rows, key=_END)
        self._begin_at = [row[0] for row in by_start]
        self._entering = [row[2] for row in by_start]
        self._gained = [row[4] for row in by_start]
        self._end_at = [row[1] for row in by_end]
        self._leaving = [row[2] for row in by_end]
        self._lost = [row[4] for row in by_end]
        # Several services: which one each line is of, to count only a part's own.
        self._services = (
            ([row[3] for row in by_start], [row[3] for row in by_end])
            if len(services) > 1
            else None
        )
        self._per_service: dict[ServiceId, _Spots] = {}

    def scan(
        self,
        starts: Sequence[datetime],
        service_id: ServiceId,
        resources: Resources | None,
        lead: timedelta,
        tail: timedelta,
    ) -> tuple[list[int], list[int]]:
        """For each of the sorted ``starts``, over its window ``[start + lead, start + tail)``:
        the spots of ``service_id``'s lines that overlap it (at least the peak in use: see
        ``peak``), and (given ``resources``) the flags of the busy resources."""
        begin_at, entering, end_at, leaving = (
            self._begin_at,
            self._entering,
            self._end_at,
            self._leaving,
        )
        spots = self._spots(service_id)
        gained, lost = spots.gained, spots.lost
        totals: list[int] = []
        taken: list[int] = []
        counts = total = 0  # resource counts and spots of the lines overlapping the window
        entered = left = 0  # lines starting before the window ends, ending by its start
        for start in starts:
            closes = start + tail
            while begin_at[entered] < closes:
                counts += entering[entered]
                total += gained[entered]
                entered += 1
            opens = start + lead
            while end_at[left] <= opens:
                counts -= leaving[left]
                total -= lost[left]
                left += 1
            totals.append(total)
            taken.append(counts)
        if resources is None:
            return totals, [0] * len(starts)
        carry, flags = resources.carry, resources.flags
        return totals, [(counts + carry) & flags for counts in taken]

    def peak(self, service_id: ServiceId, opens: datetime, closes: datetime) -> int:
        """The most spots of ``service_id`` in use at any instant of ``[opens, closes)``: at
        ``opens`` or where a line starts inside."""
        begin_at, end_at = self._begin_at, self._end_at
        spots = self._spots(service_id)
        lost, (started, ended) = spots.lost, spots.sums()
        line = bisect_right(begin_at, opens)  # the first line starting inside
        inside = bisect_left(begin_at, closes)  # and the first starting after
        left = bisect_right(end_at, opens)  # the first line ending inside (or later)
        level = peak = started[line] - ended[left]  # lines started by ``opens``, less ended
        while line < inside:
            begins = begin_at[line]
            while end_at[left] <= begins:
                level -= lost[left]
                left += 1
            together = bisect_right(begin_at, begins, line, inside)  # all starting then
            level += started[together] - started[line]
            line = together
            peak = max(peak, level)
        return peak

    def _spots(self, service_id: ServiceId) -> _Spots:
        spots = self._per_service.get(service_id)
        if spots is None:
            if self._services is None:
                spots = _Spots(self._gained, self._lost)
            else:  # only this service's lines count
                begin_services, end_services = self._services
                gained = _only(service_id, begin_services, self._gained)
                spots = _Spots(gained, _only(service_id, end_services, self._lost))
            self._per_service[service_id] = spots
        return spots


class _Spots:
    """One service's spots on each line (0 on others'), in order of start and of end."""

    __slots__ = ("_sums", "gained", "lost")

    def __init__(self, gained: Sequence[int], lost: Sequence[int]) -> None:
        self.gained, self.lost = gained, lost
        self._sums: tuple[list[int], list[int]] | None = None

    def sums(self) -> tuple[list[int], list[int]]:
        """Running sums: the spots of the first ``k`` lines by start, and by end."""
        if self._sums is None:
            self._sums = ([0, *accumulate(self.gained)], [0, *accumulate(self.lost)])
        return self._sums


_SENTINEL: _Row = (_NEVER, _NEVER, 0, None, 0)


def _only(
    service_id: ServiceId, services: Sequence[ServiceId | None], spots: Sequence[int]
) -> list[int]:
    return [n if key == service_id else 0 for key, n in zip(services, spots, strict=True)]

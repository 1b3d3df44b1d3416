"""What is already taken, indexed once so each check is a binary search, not a scan."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime

from booking_gateway.domain.scheduling.model import Busy, BusyKind, ResourceId, ServiceId


class _Intervals:
    """Disjoint, sorted ``[start, end)`` intervals: the union of one resource's busy time."""

    __slots__ = ("ends", "starts")

    def __init__(self, intervals: list[tuple[datetime, datetime]]) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        for start, end in sorted(intervals):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def is_free(self, start: datetime, end: datetime) -> bool:
        first_ending_after = bisect_right(self.ends, start)
        return first_ending_after == len(self.starts) or self.starts[first_ending_after] >= end


class _Load:
    """Spots of one service in use as a step function: ``levels[k]`` holds from ``times[k]``."""

    __slots__ = ("levels", "times")

    def __init__(self, events: list[tuple[datetime, int]]) -> None:
        self.times: list[datetime] = []
        self.levels: list[int] = []
        level = 0
        for moment, delta in sorted(events):
            level += delta
            if self.times and self.times[-1] == moment:
                self.levels[-1] = level
            else:
                self.times.append(moment)
                self.levels.append(level)

    def peak(self, start: datetime, end: datetime) -> int:
        index = bisect_right(self.times, start) - 1
        peak = self.levels[index] if index >= 0 else 0
        index += 1
        while index < len(self.times) and self.times[index] < end:
            peak = max(peak, self.levels[index])
            index += 1
        return peak


_ALWAYS_FREE = _Intervals([])
_NO_LOAD = _Load([])


class Occupancy:
    """Busy lines that block at ``now``: those without ``expires_at`` or expiring later."""

    __slots__ = ("_loads", "_resources", "has_holds")

    def __init__(self, busy: Iterable[Busy], now: datetime, *, include_holds: bool = True) -> None:
        by_resource: dict[ResourceId, list[tuple[datetime, datetime]]] = {}
        by_service: dict[ServiceId, list[tuple[datetime, int]]] = {}
        self.has_holds = False
        for line in busy:
            if not line.blocks_at(now):
                continue
            if line.kind is BusyKind.HOLD:
                self.has_holds = True
                if not include_holds:
                    continue
            for resource_id in line.resource_ids:
                by_resource.setdefault(resource_id, []).append((line.start, line.end))
            if line.service_id is not None and line.spots:
                events = by_service.setdefault(line.service_id, [])
                events.append((line.start, line.spots))
                events.append((line.end, -line.spots))
        self._resources = {key: _Intervals(value) for key, value in by_resource.items()}
        self._loads = {key: _Load(value) for key, value in by_service.items()}

    def is_free(self, resource_id: ResourceId, start: datetime, end: datetime) -> bool:
        return self._resources.get(resource_id, _ALWAYS_FREE).is_free(start, end)

    def count_free(
        self, resource_ids: Iterable[ResourceId], start: datetime, end: datetime, enough: int
    ) -> int:
        """How many of ``resource_ids`` are free over ``[start, end)``, counting up to
        ``enough``."""
        free = 0
        resources = self._resources
        for resource_id in resource_ids:
            busy = resources.get(resource_id)
            if busy is None or busy.is_free(start, end):
                free += 1
                if free == enough:
                    break
        return free

    def spots_in_use(self, service_id: ServiceId, start: datetime, end: datetime) -> int:
        return self._loads.get(service_id, _NO_LOAD).peak(start, end)

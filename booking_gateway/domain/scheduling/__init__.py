"""Pure scheduling core: which starts can be booked, and with which resources.

No I/O: callers pass the workshop's hours, the services, its resources and the busy lines
(bookings and reservation holds) and get plain values back.

Rules
- Time: slots are real UTC instants; ``local_start``/``local_end`` are the same instants in
  the workshop's zone. Durations and buffers are elapsed time, so a service that spans a
  daylight-saving change lasts its real duration (e.g. 01:30-03:30 local for one hour on the
  spring-forward night).
- Grid (daylight saving): each opening interval of a local date is turned into UTC instants
  ``[open, close)``, and starts are stepped every ``slot_interval`` of elapsed time from
  ``open`` while the whole visit ends by ``close``. A skipped wall time therefore never
  yields a slot and a repeated hour yields each instant once, so a day has
  ``(close - open - visit) // slot_interval + 1`` starts, measured in real time. Outside a
  change the grid is aligned to the interval's local opening time. Opening and closing wall
  times resolve to the first occurrence of a repeated time (``fold=0``) and, for a skipped
  time, to the instant of the jump.
- Opening hours: a visit lies within one opening interval (a lunch break splits a day).
  Buffers may reach outside it. Admins may pass ``ignore_opening_hours`` to ``check_slot``.
- Buffers block resources and capacity around a service but are not the customer's time.
- Capacity: the peak of concurrent spots of the same service over the blocked interval, plus
  the requested ``spots``, must not exceed ``ServiceSpec.capacity``.
- Resources: each booking needs one free resource of every required type for its whole
  blocked interval, however many spots it has. The lowest free id is chosen; a requested
  resource is the only candidate of its type.
- Available spots: what visits like the one asked for (same services, placement, spots and
  requested resource) can still book at a start, one after another, each placed as
  ``check_slot`` places it after the ones before: capacity, free resources and live holds
  together. Booking ``available_spots // spots`` such visits there succeeds and one more does
  not; a service needing a resource never shows more visits than there are free resources
  for its whole blocked interval, whatever its capacity. A start is listed only if one fits.
- Combinations: services are placed in the given order back to back, or all from the same
  start (``Placement.PARALLEL``), and allocated together or not at all.
- Holds (and any line with ``expires_at``) block until then: ``expires_at <= now`` is ignored.
- ``min_notice``: a start earlier than ``now + min_notice`` is too soon. ``horizon``: a start
  later than ``now + horizon`` is too far ahead.
"""

from booking_gateway.domain.scheduling.engine import check_slot, compute_timeslots
from booking_gateway.domain.scheduling.model import (
    AllocatedService,
    Busy,
    BusyKind,
    OpeningHours,
    OpeningInterval,
    Placement,
    Resource,
    ResourceId,
    ServiceId,
    ServiceSpec,
    SlotQuery,
    Timeslot,
    Unavailable,
    UnavailableReason,
)

__all__ = [
    "AllocatedService",
    "Busy",
    "BusyKind",
    "OpeningHours",
    "OpeningInterval",
    "Placement",
    "Resource",
    "ResourceId",
    "ServiceId",
    "ServiceSpec",
    "SlotQuery",
    "Timeslot",
    "Unavailable",
    "UnavailableReason",
    "check_slot",
    "compute_timeslots",
]

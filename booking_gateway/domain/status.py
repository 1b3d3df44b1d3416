"""The booking status machine: one canonical set of states and the transitions between them.

    RESERVED ──────────► AWAITING_PAYMENT ──► CONFIRMED ──► IN_PROGRESS ──► COMPLETED
        │                      │                 ▲  │
        ├──► PENDING ──────────┼─────────────────┘  ├──► NO_SHOW
        │       │              │                    │
        └───────┴──────────────┴────► CANCELLED ◄───┘

COMPLETED, CANCELLED and NO_SHOW are final. A booking is never deleted: it is cancelled.
"""

from __future__ import annotations

from booking_gateway.domain.models import BookingStatus

S = BookingStatus
TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    S.RESERVED: frozenset({S.AWAITING_PAYMENT, S.PENDING, S.CONFIRMED, S.CANCELLED}),
    S.AWAITING_PAYMENT: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.PENDING: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.IN_PROGRESS, S.CANCELLED, S.NO_SHOW}),
    S.IN_PROGRESS: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}
# States whose bookings hold their time and resources.
ACTIVE = frozenset({S.RESERVED, S.AWAITING_PAYMENT, S.PENDING, S.CONFIRMED, S.IN_PROGRESS})


_ORDER = {status: index for index, status in enumerate(BookingStatus)}
_ALLOWED = {
    status: tuple(sorted(targets, key=_ORDER.__getitem__))
    for status, targets in TRANSITIONS.items()
}


def allowed(current: BookingStatus) -> list[BookingStatus]:
    """The statuses ``current`` may move to, in the enum's order."""
    return list(_ALLOWED[current])

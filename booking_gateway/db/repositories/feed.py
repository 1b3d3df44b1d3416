"""The tenant's change feed: audit events in one order that a reader can resume from.

Order and position
    Events are ordered by ``(txid, id)``: ``txid`` is the id of the transaction that wrote the
    event (PostgreSQL: the column default ``pg_current_xact_id()``, the top-level transaction's
    64-bit id, which never wraps), ``id`` the event's serial. A reader passes the position of the
    last event it processed and gets the events strictly after it.

Why a reader never skips an event (PostgreSQL)
    Ids and txids are handed out before commit, so events become visible out of ``(txid, id)``
    order: transaction A writes (txid 100), B writes (txid 101) and commits, A commits later. A
    reader that returned B's event and moved its cursor past it would never see A's. So a read
    returns only events below the horizon ``pg_snapshot_xmin(pg_current_snapshot())``, taken in
    the same statement, i.e. from the snapshot the rows are read with:

    1. ``xmin`` is the oldest transaction id still running when the snapshot was taken. Every
       transaction with a lower id has ended: committed before the snapshot (so its events are
       visible to this very statement, all of them) or rolled back (its events never exist).
    2. A transaction gets its id when it first writes (or locks a row), not at BEGIN, and ids
       only grow: a transaction that has not written yet will get an id >= ``xmin``. So no event
       can ever appear below a horizon a reader has seen.
    3. Hence the events below the horizon are final; a page is a prefix of them in ``(txid, id)``
       order, and the next page continues the same sequence (the horizon never moves down: the
       oldest running id only grows, and even if it did, rule 1 would still hold). Each event
       is returned exactly once, in order. All events of one transaction are adjacent.

    This relies on every writer leaving ``txid`` to the column default. An insert that sets it
    explicitly (a bulk copy with txid 0, say) can land below a cursor and be skipped.

What it costs (PostgreSQL)
    * Latency, never loss: an event is withheld until every transaction that got its id before
      the event's transaction has ended. The horizon is cluster-wide: one long writing
      transaction in any database of the server (an idle-in-transaction session, a prepared
      transaction) holds back every tenant's feed until it ends. Read-only transactions have no
      id and hold back nothing. Set ``idle_in_transaction_session_timeout``.
    * The order is the order in which transactions got their ids, not commit order. Two
      transactions that changed the same booking can appear in the opposite order of their
      commits when the later-committing one had written something else before it locked the
      booking (a writer whose first statement locks the booking narrows this to a race). A
      consumer that rebuilds booking state should check an event's ``before`` against the state
      it holds, or re-read the booking, rather than trust feed order per booking.

SQLite
    ``txid`` is always 0. A writer holds the database's single write lock from BEGIN IMMEDIATE
    to COMMIT (across processes too), so ids are handed out in commit order and a committed
    event never appears below one already visible: the horizon is unbounded and the order is
    ``id``. (An id of a rolled-back insert may be reused by the next writer; no reader saw it.)
    An insert that sets a non-zero ``txid`` on SQLite would break this, as on PostgreSQL.

Workshop scope
    A workshop-bound scope sees the events of bookings currently linked to its workshop. The
    filter is applied at read time: when a booking moves to another workshop, its unread events
    leave the old workshop's feed, and its events before the new workshop's cursor never reach
    that workshop.
"""

from __future__ import annotations

from dataclasses import dataclass

from booking_gateway.db.engine import Row
from booking_gateway.db.repositories.audit import to_event
from booking_gateway.db.repositories.base import ScopedRepository
from booking_gateway.db.statements import Statement
from booking_gateway.domain.models import AuditEvent

# Position before every event: ids start at 1, txids at 0 (events older than the txid column).
FEED_START = (0, 0)

# The horizon is an uncorrelated subquery: evaluated once per statement, against the
# statement's own snapshot. A workshop scope ({scope a}) keeps the events of bookings linked to
# its workshop when read.
AFTER = Statement(
    """SELECT a.id, a.tenant_id, a.booking_id, a.action, a.occurred_at, a.actor_subject,
        a.user_agent, a.request_id, a.before, a.after, a.txid
    FROM audit_events a
    WHERE {scope a} AND (a.txid, a.id) > (:txid, :event_id)
        AND a.txid < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
    ORDER BY a.txid, a.id LIMIT :limit""",
    # Every SQLite txid is 0, so this equals the row comparison above; unlike it, it seeks the
    # index (SQLite cannot seek a row value that ends in the rowid).
    sqlite="""SELECT a.id, a.tenant_id, a.booking_id, a.action, a.occurred_at, a.actor_subject,
        a.user_agent, a.request_id, a.before, a.after, a.txid
    FROM audit_events a
    WHERE {scope a} AND a.txid = :txid AND a.id > :event_id
    ORDER BY a.txid, a.id LIMIT :limit""",
)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    event: AuditEvent
    txid: int

    @property
    def position(self) -> tuple[int, int]:
        return (self.txid, self.event.id)


def to_entry(row: Row) -> FeedEntry:
    return FeedEntry(event=to_event(row), txid=int(row["txid"]))


class FeedRepository(ScopedRepository):
    async def after(self, txid: int, event_id: int, limit: int) -> list[FeedEntry]:
        """Up to ``limit`` events strictly after position ``(txid, event_id)``, in order, that
        no later commit can precede."""
        rows = await self._fetch(AFTER, txid=txid, event_id=event_id, limit=limit)
        return [to_entry(row) for row in rows]

"""The database connection layer: asyncpg's own pool on PostgreSQL, two aiosqlite connections
on SQLite, and SQL text run straight on the driver.

Why not ``databases``: it compiles a SQLAlchemy statement on every call, gives every asyncio
task its own pooled connection (one GraphQL request with 25 root fields took 25 connections),
and skips releasing a connection whose rollback fails (killed backends leaked every pool slot
until the process hung). Here:

- PostgreSQL: asyncpg's pool, whose release terminates a connection it cannot reset and frees
  the slot. Our reset hook sends nothing for an idle connection (no reset round trip per
  request) and refuses a connection left inside a transaction, so the pool terminates it.
  Statements are prepared by asyncpg and kept in its per-connection statement cache.
- One request, one connection: ``session()`` (entered by the HTTP view) lends the request one
  connection on first use; every resolver of that request shares it, one statement at a time.
- An exhausted pool waits ``pool_timeout`` and then raises ``DatabaseUnavailable`` (a coded,
  retryable error); so does a lost connection.
- SQLite: one long-lived writer (writers serialised in-process, ``BEGIN IMMEDIATE``, a busy
  timeout against other processes) and one reader, in WAL mode. Declared column types map
  values to the same Python types asyncpg returns (aware UTC datetimes, dates, JSON, bools).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

import aiosqlite
import asyncpg

from booking_gateway.domain.errors import DatabaseUnavailable, FieldProblem, ValidationFailed

SQLITE_BUSY_TIMEOUT_MS = 5000
Dialect = Literal["sqlite", "postgresql"]


class Row(Protocol):
    """A result row: asyncpg's ``Record`` and ``sqlite3.Row`` both read by name or position."""

    def __getitem__(self, key: str | int, /) -> Any: ...

    def __len__(self) -> int: ...


# Errors that mean "the database is not reachable right now", whatever the driver.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionError,
    OSError,
)
_CLOSE_ERRORS: tuple[type[BaseException], ...] = (TimeoutError, *CONNECTION_ERRORS)
# A write the database refused (unique, check, foreign key, exclusion constraints).
INTEGRITY_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.IntegrityConstraintViolationError,
    sqlite3.IntegrityError,
)


def plain_url(url: str) -> str:
    """Strip a SQLAlchemy driver suffix: ``postgresql+asyncpg://`` -> ``postgresql://``."""
    for prefix, plain in (
        ("postgresql+asyncpg://", "postgresql://"),
        ("postgres://", "postgresql://"),
        ("sqlite+aiosqlite://", "sqlite://"),
    ):
        if url.startswith(prefix):
            return plain + url[len(prefix) :]
    return url


def async_url(url: str) -> str:
    """The SQLAlchemy async URL of a database URL (alembic migrations use SQLAlchemy)."""
    url = plain_url(url)
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


# -- SQLite values -------------------------------------------------------------------------
# Timestamps are stored as naive UTC text in SQLAlchemy's SQLite format (the migrations'
# column types), so text comparison orders them and older files stay readable.


def _sqlite_timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_arg(value: Any) -> Any:
    if type(value) is str and "\x00" in value:
        raise _bad_text()  # as PostgreSQL refuses it: one behaviour on both databases
    if isinstance(value, datetime):
        return _sqlite_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, separators=(",", ":"))
    return value


def utc(value: Any) -> datetime:
    """A timestamp read from either driver (for computed columns SQLite returns as text)."""
    if isinstance(value, str | bytes):
        value = datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
    moment: datetime = value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


sqlite3.register_converter("DATETIME", utc)
sqlite3.register_converter("DATE", lambda raw: date.fromisoformat(raw.decode()))
sqlite3.register_converter("JSON", json.loads)
sqlite3.register_converter("BOOLEAN", lambda raw: raw not in (b"0", b""))


async def _init_pg_connection(connection: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(
            type_name,
            encoder=lambda v: json.dumps(v, separators=(",", ":")),
            decoder=json.loads,
            schema="pg_catalog",
        )


async def _reset_pg_connection(connection: asyncpg.Connection) -> None:
    """Sends nothing: the gateway keeps no session state (no SET, LISTEN or session advisory
    locks), so asyncpg's default reset query would be a wasted round trip per request. (asyncpg
    itself still rolls back a connection returned inside a transaction, which ours never are:
    ``Db.transaction`` ends every transaction or terminates the connection.)"""


def _gone(connection: asyncpg.Connection) -> bool:
    """Closed, or already taken back by the pool after asyncpg saw it break (then every call
    on it raises ``InterfaceError``)."""
    return getattr(connection, "_con", None) is None or connection.is_closed()


def _discard(connection: asyncpg.Connection) -> None:
    """Close a connection that cannot be trusted; its pool slot is freed by the pool."""
    with suppress(asyncpg.InterfaceError):
        connection.terminate()


@dataclass
class _Lease:
    """The one connection a request uses, taken on first use and given back at its end."""

    db: Db
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    connection: asyncpg.Connection | None = None

    async def get(self) -> asyncpg.Connection:
        if self.connection is not None and _gone(self.connection):
            await self.give_back()
        if self.connection is None:
            self.connection = await self.db._acquire()
        return self.connection

    async def give_back(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            await self.db._release(connection)


StatementObserver = Callable[[str], None]


# Text the database cannot store (NUL, a lone surrogate): the request's fault, nothing written.
_TEXT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.CharacterNotInRepertoireError,
    asyncpg.UntranslatableCharacterError,
    UnicodeEncodeError,
)


def _bad_text() -> ValidationFailed:
    return ValidationFailed(
        [FieldProblem("input", "text must not contain NUL characters or lone surrogates")]
    )


_PING_ERRORS: tuple[type[BaseException], ...] = (DatabaseUnavailable, *_CLOSE_ERRORS)


class Db:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        pool_timeout: float = 5.0,
        min_size: int = 1,
        statement_timeout: float = 10.0,
    ) -> None:
        self.url = plain_url(url)
        self.dialect: Dialect = "sqlite" if self.url.startswith("sqlite") else "postgresql"
        self.pool_size = pool_size
        self.pool_timeout = pool_timeout
        self.statement_timeout = statement_timeout
        self._min_size = min(min_size, pool_size)
        self._pool: asyncpg.Pool | None = None
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        # The connection of the transaction running in this context, if any.
        self._tx: ContextVar[Any] = ContextVar(f"db_tx_{id(self)}", default=None)
        self._lease: ContextVar[_Lease | None] = ContextVar(f"db_lease_{id(self)}", default=None)
        self._observer: ContextVar[StatementObserver | None] = ContextVar(
            f"db_observer_{id(self)}", default=None
        )

    # -- lifecycle ---------------------------------------------------------------------------

    async def connect(self) -> None:
        if self.dialect == "sqlite":
            self._writer = await self._open_sqlite()
            await self._writer.execute_fetchall("PRAGMA journal_mode=WAL")
            self._reader = await self._open_sqlite()
            return
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=self._min_size,
                max_size=self.pool_size,
                init=_init_pg_connection,
                reset=_reset_pg_connection,
                # Long-idle connections are closed; a fresh one replaces them on demand.
                max_inactive_connection_lifetime=300,
                # The server cancels a statement (a lock wait included) running longer.
                server_settings={
                    "statement_timeout": str(max(1, int(self.statement_timeout * 1000)))
                },
            )
        except CONNECTION_ERRORS as exc:
            raise DatabaseUnavailable(f"Cannot connect to the database: {exc}") from exc

    async def _open_sqlite(self) -> aiosqlite.Connection:
        path = self.url.split("://", 1)[1]
        path = path[1:] if path.startswith("/") else path
        connection = await aiosqlite.connect(
            path or ":memory:", isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES
        )
        connection.row_factory = sqlite3.Row
        for pragma in (
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
            # WAL + NORMAL: no fsync per commit; a crash cannot corrupt the file, a power loss
            # may drop the last commits (the embedded trade-off; PostgreSQL is for production).
            "PRAGMA synchronous=NORMAL",
        ):
            # Fetched, so that no statement stays open and holds a lock on the file.
            await connection.execute_fetchall(pragma)
        return connection

    async def disconnect(self) -> None:
        for connection in (self._writer, self._reader):
            if connection is not None:
                await connection.close()
        self._writer = self._reader = None
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), timeout=5)
            except _CLOSE_ERRORS:
                pool.terminate()

    # -- connections -------------------------------------------------------------------------

    async def _acquire(self) -> asyncpg.Connection:
        if self._pool is None:
            raise DatabaseUnavailable("The database is not connected")
        try:
            connection: asyncpg.Connection = await self._pool.acquire(timeout=self.pool_timeout)
        except TimeoutError:
            raise DatabaseUnavailable(
                f"No database connection free within {self.pool_timeout:g} s; retry later"
            ) from None
        except CONNECTION_ERRORS as exc:
            raise DatabaseUnavailable(f"The database is unreachable: {exc}") from exc
        return connection

    async def _release(self, connection: asyncpg.Connection) -> None:
        assert self._pool is not None  # noqa: S101 - acquired from it
        if getattr(connection, "_con", None) is None:
            return  # the pool took it back already when it broke
        try:
            await self._pool.release(connection, timeout=self.pool_timeout)
        except asyncio.CancelledError:
            _discard(connection)
            raise
        except Exception:
            _discard(connection)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """The request's leased connection (one statement at a time), else a pooled one."""
        lease = self._lease.get()
        if lease is None:
            connection = await self._acquire()
            try:
                yield connection
            finally:
                await self._release(connection)
            return
        async with lease.lock:
            yield await lease.get()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        """Lend everything run in this context (one request) at most one connection."""
        if self.dialect == "sqlite" or self._lease.get() is not None:
            yield
            return
        lease = _Lease(self)
        token = self._lease.set(lease)
        try:
            yield
        finally:
            self._lease.reset(token)
            await lease.give_back()

    # -- transactions ------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._tx.get() is not None:
            raise RuntimeError("transactions do not nest")
        if self.dialect == "sqlite":
            async with self._write_lock:
                writer = self._writer
                if writer is None:
                    raise DatabaseUnavailable("The database is not connected")
                token = self._tx.set(writer)
                try:
                    if writer.in_transaction:  # never expected; never inherited either
                        await self._sqlite_end(writer)
                    await self._run_sqlite(writer, "BEGIN IMMEDIATE", (), fetch=False)
                    yield
                    await self._run_sqlite(writer, "COMMIT", (), fetch=False)
                except BaseException:
                    await asyncio.shield(self._sqlite_end(writer))
                    raise
                finally:
                    self._tx.reset(token)
            return
        async with self._connection() as connection:
            await self._run_pg(connection, "BEGIN", (), "execute")
            token = self._tx.set(connection)
            try:
                yield
            except BaseException:
                await self._rollback(connection)
                raise
            else:
                try:
                    await self._run_pg(connection, "COMMIT", (), "execute")
                except BaseException:
                    await self._rollback(connection)
                    raise
            finally:
                self._tx.reset(token)

    async def _sqlite_end(self, writer: aiosqlite.Connection) -> None:
        """Roll back whatever transaction the writer has open: a failed or cancelled BEGIN or
        COMMIT must never leave one open (every later write would fail). Sent even when none
        seems open: a cancelled BEGIN may still be queued on the connection's thread, and this
        ROLLBACK runs after it."""
        with suppress(sqlite3.Error):
            await writer.execute_fetchall("ROLLBACK")

    async def _rollback(self, connection: asyncpg.Connection) -> None:
        if _gone(connection) or not connection.is_in_transaction():
            return
        try:
            await asyncio.shield(self._run_pg(connection, "ROLLBACK", (), "execute"))
        except (Exception, asyncio.CancelledError):
            # A connection that cannot roll back is never reused: close it, its slot is freed.
            _discard(connection)

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        """Several statements that must land together: joins the running transaction, else
        starts one. (On PostgreSQL a single statement is atomic by itself: prefer one.)"""
        if self._tx.get() is not None:
            yield
            return
        async with self.transaction():
            yield

    # -- statements --------------------------------------------------------------------------

    @asynccontextmanager
    async def observe(self, observer: StatementObserver) -> AsyncIterator[None]:
        """Call ``observer`` with the text of every statement sent in this context (tests
        count round trips with it)."""
        token = self._observer.set(observer)
        try:
            yield
        finally:
            self._observer.reset(token)

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return await self._run(sql, args, "fetch")  # type: ignore[no-any-return]

    async def fetchrow(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        return await self._run(sql, args, "fetchrow")  # type: ignore[no-any-return]

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        await self._run(sql, args, "execute")

    async def _run(self, sql: str, args: Sequence[Any], mode: str) -> Any:
        if self.dialect == "sqlite":
            connection = self._tx.get() or self._reader
            if connection is None:
                raise DatabaseUnavailable("The database is not connected")
            rows = await self._run_sqlite(connection, sql, args, fetch=mode != "execute")
            if mode == "fetchrow":
                return rows[0] if rows else None
            return rows
        current = self._tx.get()
        if current is not None:
            return await self._run_pg(current, sql, args, mode)
        async with self._connection() as connection:
            return await self._run_pg(connection, sql, args, mode)

    async def _run_pg(
        self, connection: asyncpg.Connection, sql: str, args: Sequence[Any], mode: str
    ) -> Any:
        observer = self._observer.get()
        if observer is not None:
            observer(sql)
        values = [list(a) if type(a) is tuple else a for a in args]  # asyncpg wants lists
        try:
            if mode == "fetch":
                return await connection.fetch(sql, *values)
            if mode == "fetchrow":
                return await connection.fetchrow(sql, *values)
            return await connection.execute(sql, *values)
        except CONNECTION_ERRORS as exc:
            raise DatabaseUnavailable(f"The database connection was lost: {exc}") from exc
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:
            # The database chose this request to break a lock cycle: nothing was written.
            raise DatabaseUnavailable(f"The database refused a lock order: {exc}") from exc
        except asyncpg.QueryCanceledError as exc:
            # statement_timeout: a held lock or an overloaded server; nothing was written.
            raise DatabaseUnavailable(
                f"The database did not answer within {self.statement_timeout:g} s"
            ) from exc
        except asyncpg.InternalClientError as exc:
            # A backend killed while its connection was idle: the server's goodbye arrives
            # before the socket closes and leaves asyncpg's protocol in a state it cannot leave.
            _discard(connection)
            raise DatabaseUnavailable(f"The database connection broke: {exc}") from exc
        except _TEXT_ERRORS as exc:
            raise _bad_text() from exc
        except asyncpg.DataError as exc:
            # asyncpg could not encode an argument: a lone surrogate is the client's; any
            # other encoding failure is ours and stays an internal error.
            if isinstance(exc.__cause__, UnicodeEncodeError):
                raise _bad_text() from exc
            raise

    async def _run_sqlite(
        self, connection: aiosqlite.Connection, sql: str, args: Sequence[Any], *, fetch: bool
    ) -> list[Row]:
        observer = self._observer.get()
        if observer is not None:
            observer(sql)
        values = [_sqlite_arg(a) for a in args]
        try:
            rows = await connection.execute_fetchall(sql, values)
        except UnicodeEncodeError as exc:
            raise _bad_text() from exc
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseUnavailable(f"The database is busy: {exc}") from exc
            raise
        return list(rows) if fetch else []

    async def ping(self) -> bool:
        """True when a trivial statement answers within the pool timeout."""
        try:
            return bool(
                await asyncio.wait_for(self._ping_once(), timeout=max(self.pool_timeout, 0.5))
            )
        except _PING_ERRORS:
            return False

    async def _ping_once(self) -> Any:
        row = await self.fetchrow("SELECT 1")
        return row is not None and row[0] == 1

"""The project's own small database interface over ``databases``.

Repositories talk to ``Db`` only, so a hot path can later move to the asyncpg connection
underneath without touching callers.

``databases`` binds a connection to the asyncio task: inside ``Db.transaction()`` every query of
the same task runs on the transaction's connection. Never fan out (gather, create_task,
dataloaders) inside a transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, Literal, cast

import databases
from databases.core import Connection
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.dialects.sqlite import pysqlite as sqlite_dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Row = Mapping[str, Any]
SQLITE_BUSY_TIMEOUT_MS = 5000


def async_url(url: str) -> str:
    """Map a user-facing URL to the async driver URL used by ``databases`` and alembic."""
    for plain, driver in (
        ("postgresql+asyncpg://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


class Db:
    def __init__(self, url: str, *, pool_max_size: int = 20) -> None:
        self.url = async_url(url)
        self.dialect: Literal["sqlite", "postgresql"] = (
            "sqlite" if self.url.startswith("sqlite") else "postgresql"
        )
        options: dict[str, Any] = {}
        if self.dialect == "postgresql":
            options = {"min_size": 1, "max_size": pool_max_size}
        self._database = databases.Database(self.url, **options)
        # The connection of the transaction running in this context, if any.
        self._current: ContextVar[Connection | None] = ContextVar("db_transaction", default=None)
        # SQLite allows one writer. One long-lived writer connection, writers serialised
        # in-process, BEGIN IMMEDIATE and a busy timeout (against other processes) mean a write
        # never fails with "database is locked" and never deadlocks upgrading a read lock.
        self._write_lock = asyncio.Lock()
        self._dialect = (
            sqlite_dialect.dialect(paramstyle="qmark")
            if self.dialect == "sqlite"
            else asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]
        )
        self._sqlite_writer: Connection | None = None
        self._sqlite_reader: Connection | None = None

    async def connect(self) -> None:
        await self._database.connect()
        if self.dialect == "sqlite":
            self._sqlite_writer = await self._open_sqlite()
            await self._sqlite_writer.execute("PRAGMA journal_mode=WAL")
            self._sqlite_reader = await self._open_sqlite()

    async def _open_sqlite(self) -> Connection:
        connection = Connection(self._database, self._database._backend)
        await connection.__aenter__()
        for pragma in (
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
            # WAL + NORMAL: no fsync per commit; a crash cannot corrupt the file, a power loss
            # may drop the last commits (the embedded trade-off; PostgreSQL is for production).
            "PRAGMA synchronous=NORMAL",
        ):
            await connection.execute(pragma)
        return connection

    async def disconnect(self) -> None:
        for connection in (self._sqlite_writer, self._sqlite_reader):
            if connection is not None:
                await connection.__aexit__(None, None, None)
        self._sqlite_writer = self._sqlite_reader = None
        await self._database.disconnect()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._current.get() is not None:
            raise RuntimeError("transactions do not nest")
        if self._sqlite_writer is not None:
            async with self._write_lock:
                connection = self._sqlite_writer
                await connection.execute("BEGIN IMMEDIATE")
                token = self._current.set(connection)
                try:
                    yield
                except BaseException:
                    await connection.execute("ROLLBACK")
                    raise
                else:
                    await connection.execute("COMMIT")
                finally:
                    self._current.reset(token)
            return
        async with self._database.connection() as connection, connection.transaction():
            token = self._current.set(connection)
            try:
                yield
            finally:
                self._current.reset(token)

    def _executor(self) -> Connection | databases.Database:
        return self._current.get() or self._sqlite_reader or self._database

    # Rows are ``databases`` records: indexing by column name applies the column type's result
    # processing (their ``_mapping`` would hand back the driver's unprocessed values).
    async def fetch_all(self, query: ClauseElement | str) -> Sequence[Row]:
        return cast(Sequence[Row], await self._executor().fetch_all(query))

    async def fetch_one(self, query: ClauseElement | str) -> Row | None:
        return cast(Row | None, await self._executor().fetch_one(query))

    async def fetch_val(self, query: ClauseElement | str) -> Any:
        return await self._executor().fetch_val(query)

    async def execute(self, query: ClauseElement | str) -> None:
        await self._executor().execute(query)

    async def fetch_rows(self, query: ClauseElement) -> Sequence[Sequence[Any]]:
        """Hot path: plain rows straight from the driver (asyncpg or aiosqlite), skipping the
        per-value processing of ``databases`` records. Values come back as the driver gives
        them: on SQLite, timestamps are ISO text (see ``types.utc_from_driver``)."""
        compiled = cast(
            SQLCompiler,
            query.compile(dialect=self._dialect, compile_kwargs={"render_postcompile": True}),
        )
        params = compiled.construct_params()
        processors: Mapping[str, Callable[[Any], Any]] = compiled._bind_processors  # type: ignore[assignment]
        args = [
            processors[key](params[key]) if key in processors else params[key]
            for key in compiled.positiontup or ()
        ]
        current = self._current.get()
        if self.dialect == "sqlite":
            connection = current or self._sqlite_reader
            assert connection is not None  # noqa: S101 - connected
            async with connection._query_lock:
                cursor = await connection.raw_connection.execute(compiled.string, args)
                rows = await cursor.fetchall()
                await cursor.close()
            return cast(Sequence[Sequence[Any]], rows)
        if current is not None:
            return cast(
                Sequence[Sequence[Any]], await current.raw_connection.fetch(compiled.string, *args)
            )
        async with self._database.connection() as connection:
            return cast(
                Sequence[Sequence[Any]],
                await connection.raw_connection.fetch(compiled.string, *args),
            )

    async def ping(self) -> bool:
        return bool(await self.fetch_val("SELECT 1"))

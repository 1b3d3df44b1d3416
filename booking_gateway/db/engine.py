"""The project's own small database interface over ``databases``.

Repositories talk to ``Db`` only, so a hot path can later move to the asyncpg connection
underneath without touching callers.

``databases`` binds a connection to the asyncio task: inside ``Db.transaction()`` every query of
the same task runs on the transaction's connection. Never fan out (gather, create_task,
dataloaders) inside a transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal, cast

import databases
from sqlalchemy.sql import ClauseElement

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
        # SQLite allows one writer. Serialising writers in-process (plus BEGIN IMMEDIATE and a
        # busy timeout against other processes) means a write never fails with
        # "database is locked" and never deadlocks upgrading a read lock.
        self._write_lock = asyncio.Lock()

    async def connect(self) -> None:
        await self._database.connect()
        if self.dialect == "sqlite":
            await self._database.execute("PRAGMA journal_mode=WAL")

    async def disconnect(self) -> None:
        await self._database.disconnect()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self.dialect == "postgresql":
            async with self._database.transaction():
                yield
            return
        async with self._write_lock, self._database.connection() as conn:
            await conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    # Rows are ``databases`` records: indexing by column name applies the column type's result
    # processing (their ``_mapping`` would hand back the driver's unprocessed values).
    async def fetch_all(self, query: ClauseElement | str) -> Sequence[Row]:
        return cast(Sequence[Row], await self._database.fetch_all(query))

    async def fetch_one(self, query: ClauseElement | str) -> Row | None:
        return cast(Row | None, await self._database.fetch_one(query))

    async def fetch_val(self, query: ClauseElement | str) -> Any:
        return await self._database.fetch_val(query)

    async def execute(self, query: ClauseElement | str) -> None:
        await self._database.execute(query)

    async def ping(self) -> bool:
        return bool(await self._database.fetch_val("SELECT 1"))

"""The scoped repository base: every repository's only way to the database.

A repository is built with one ``TenantScope`` and runs only ``Statement``s (``db/statements``),
whose scope markers this base fills in from that scope: the tenant always, and the workshop of
a workshop-scoped token. No method of a repository takes a tenant id, and a statement that
names a tenant-owned table without its marker cannot even be constructed. "Not yours" and "does
not exist" therefore look the same to callers.
"""

from __future__ import annotations

from typing import Any

from booking_gateway.db.engine import Db, Row
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.statements import RESERVED_PARAMS, Statement


class ScopedRepository:
    def __init__(self, db: Db, scope: TenantScope) -> None:
        self._db = db
        self._scope = scope
        self._dialect = db.dialect
        self._workshop_scoped = scope.workshop is not None
        self._customer_scoped = scope.customer is not None
        self._bound: dict[str, Any] = {
            "tenant": scope.tenant,
            "workshop": scope.workshop,
            "customer": scope.customer,
        }

    def _args(self, statement: Statement, params: dict[str, Any]) -> tuple[str, list[Any]]:
        if RESERVED_PARAMS & params.keys():
            raise ValueError("tenant, workshop and customer come from the scope, not a caller")
        rendered = statement.render(
            self._dialect,
            self._workshop_scoped,
            statement.kept(params) if params else (),
            customer=self._customer_scoped,
        )
        bound = self._bound
        return rendered.sql, [
            params[name] if name in params else bound[name] for name in rendered.names
        ]

    async def _fetch(self, statement: Statement, **params: Any) -> list[Row]:
        sql, args = self._args(statement, params)
        return await self._db.fetch(sql, args)

    async def _fetchrow(self, statement: Statement, **params: Any) -> Row | None:
        sql, args = self._args(statement, params)
        return await self._db.fetchrow(sql, args)

    async def _execute(self, statement: Statement, **params: Any) -> None:
        sql, args = self._args(statement, params)
        await self._db.execute(sql, args)

"""Shared fixtures. Every database-touching test runs twice: on SQLite and on PostgreSQL.

Tests never clean up: each takes fresh tenant ids, and tenant isolation keeps them apart.
PostgreSQL: BOOKING_GATEWAY_TEST_POSTGRES_URL (default: local server, database
booking_gateway_test, recreated per session). Set BOOKING_GATEWAY_TEST_BACKENDS=sqlite to run
SQLite only on a machine without PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from booking_gateway.app import create_app
from booking_gateway.auth import TokenIssuer
from booking_gateway.db.engine import Db
from booking_gateway.db.migrate import upgrade
from booking_gateway.domain.principal import ALL_SCOPES
from booking_gateway.settings import Settings

TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef0123456789abcdef0123"
PG_URL = os.environ.get(
    "BOOKING_GATEWAY_TEST_POSTGRES_URL",
    "postgresql://postgres@127.0.0.1:5432/booking_gateway_test",
)
BACKENDS = os.environ.get("BOOKING_GATEWAY_TEST_BACKENDS", "sqlite postgresql").split()


async def _recreate_pg_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    admin = await asyncpg.connect(base.replace("postgresql://", "postgres://") + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'gateway.db'}"
    else:
        url = PG_URL
        await _recreate_pg_database(url)
    await asyncio.to_thread(upgrade, url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, jwt_secret=TEST_SECRET)


@pytest.fixture(scope="session")
def issuer(settings: Settings) -> TokenIssuer:
    return TokenIssuer(settings)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def db(app: Starlette) -> Db:
    database: Db = app.state.db
    return database


@dataclass
class Api:
    """A GraphQL client over the ASGI app, holding one token."""

    http: httpx.AsyncClient
    token: str | None
    tenant: str

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return await self.post_raw(json.dumps(body).encode(), **headers)

    async def post_raw(self, content: bytes, **headers: str) -> httpx.Response:
        sent = {"content-type": "application/json", **headers}
        if self.token is not None:
            sent.setdefault("authorization", f"Bearer {self.token}")
        return await self.http.post("/graphql", content=content, headers=sent)

    async def ok(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run and return ``data``; fails the test on any error."""
        response = await self.post(query, variables)
        body = response.json()
        assert "errors" not in body, body
        assert response.status_code == 200
        data: dict[str, Any] = body["data"]
        return data

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run and return the single error, which must have a code."""
        body = (await self.post(query, variables)).json()
        assert len(body.get("errors", [])) == 1, body
        error: dict[str, Any] = body["errors"][0]
        assert error["extensions"]["code"]
        return error

    def as_(self, token: str | None) -> Api:
        return Api(self.http, token, self.tenant)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
def new_tenant() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def api(http: httpx.AsyncClient, issuer: TokenIssuer, new_tenant: str) -> Api:
    """Client for a fresh tenant whose token has every scope."""
    return Api(
        http, issuer.issue(tenant=new_tenant, subject="tester", scope=ALL_SCOPES), new_tenant
    )


@pytest.fixture
def other_api(http: httpx.AsyncClient, issuer: TokenIssuer) -> Api:
    """Client for a second fresh tenant, for isolation tests."""
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    return Api(http, issuer.issue(tenant=tenant, subject="other", scope=ALL_SCOPES), tenant)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).parent.parent

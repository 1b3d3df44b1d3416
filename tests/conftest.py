"""Shared fixtures. Every database-touching test runs twice: on SQLite and on PostgreSQL.

Tests never clean up: each takes fresh tenant ids, and tenant isolation keeps them apart.

PostgreSQL: each run creates its own database, ``booking_gateway_test_<pid>_<random hex>``, and
drops only that one when the session ends, so runs sharing a server never touch each other's
data. BOOKING_GATEWAY_TEST_POSTGRES_URL names the server (default
postgresql://postgres@127.0.0.1:5432); if it names a database too, that database is only where
the suite connects to create and drop its own (the server's ``postgres`` database otherwise),
never the one it tests in. Set BOOKING_GATEWAY_TEST_BACKENDS=sqlite to run SQLite only on a
machine without PostgreSQL.

Time: the app runs on ``clock``, a ``ManualClock`` set to ``FIXED_NOW`` (a Wednesday in an
ordinary week, far from holidays and clock changes) before every test; it creeps a microsecond
per reading and a test may move it (hold expiry). Build dates from ``FIXED_NOW`` or the clock,
never from the real date, so the suite passes whatever day it runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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
PG_SERVER_URL = os.environ.get(
    "BOOKING_GATEWAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432"
)
BACKENDS = os.environ.get("BOOKING_GATEWAY_TEST_BACKENDS", "sqlite postgresql").split()
FIXED_NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
"""The suite's "now": Wednesday 10 June 2026, 11:00 in Copenhagen."""
TICK = timedelta(microseconds=1)


class ManualClock:
    """A clock the test controls. Each reading is ``tick`` after the one before, as real time
    would be, so records written one after another keep their order; ``tick=timedelta(0)``
    stands still. A test moves it with ``advance`` or by setting ``now`` (the next reading)."""

    def __init__(self, now: datetime = FIXED_NOW, tick: timedelta = TICK) -> None:
        self.now = now
        self.tick = tick

    def __call__(self) -> datetime:
        reading = self.now
        self.now += self.tick
        return reading

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def _with_database(url: str, name: str) -> str:
    """``url`` naming database ``name`` (scheme without a driver suffix, query kept)."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    return urlunsplit(parts._replace(scheme=scheme, path=f"/{name}"))


async def _create_pg_database(server_url: str) -> tuple[str, str]:
    """Create this run's own database; answers (its URL, the URL to administer it from)."""
    name = f"booking_gateway_test_{os.getpid()}_{secrets.token_hex(6)}"
    named = urlsplit(server_url).path.strip("/")
    admin_url = _with_database(server_url, named or "postgres")
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return _with_database(server_url, name), admin_url


async def _drop_pg_database(url: str, admin_url: str) -> None:
    name = urlsplit(url).path.strip("/")
    assert name.startswith("booking_gateway_test_"), name  # only ever our own database
    admin = await asyncpg.connect(admin_url)
    try:
        # FORCE only cuts off connections this run left behind: the database is ours alone.
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'gateway.db'}"
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    url, admin_url = await _create_pg_database(PG_SERVER_URL)
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        # Dependent fixtures (the app and its pool) are torn down before this runs.
        await _drop_pg_database(url, admin_url)


@pytest.fixture(scope="session")
def clock() -> ManualClock:
    """The app's clock for the whole session (reset to ``FIXED_NOW`` before each test)."""
    return ManualClock()


@pytest.fixture(autouse=True)
def _reset_clock(clock: ManualClock) -> Iterator[None]:
    clock.now, clock.tick = FIXED_NOW, TICK
    yield
    clock.now, clock.tick = FIXED_NOW, TICK


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, jwt_secret=TEST_SECRET)


@pytest.fixture(scope="session")
def issuer(settings: Settings) -> TokenIssuer:
    return TokenIssuer(settings)


@pytest.fixture(scope="session")
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[Starlette]:
    application = create_app(settings, clock=clock)
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


# Property-based tests: a fixed seed and few examples in the suite; HYPOTHESIS_PROFILE=long for
# a longer search with a fresh seed. Neither keeps an example database in the work tree.
import hypothesis  # noqa: E402  (kept beside its only use)

hypothesis.settings.register_profile(
    "ci", max_examples=50, derandomize=True, database=None, deadline=None
)
hypothesis.settings.register_profile("long", max_examples=5000, database=None, deadline=None)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

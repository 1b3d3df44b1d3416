"""Database connections under failure, against the gateway running as a real process.

Every test starts ``python -m booking_gateway serve`` on a private PostgreSQL cluster
(``tests/pg_cluster.py``), so it may kill the gateway's backends, lock its tables and exhaust
its pool without disturbing any other database. What is measured is what a client or the
database sees: HTTP answers, their times, ``pg_stat_activity`` and the rows stored.

- Killed backends during concurrent writes (single-statement and transactional ones): every
  request answers in time (data, or the coded retryable SERVICE_UNAVAILABLE), /readyz never
  hangs, the gateway recovers by itself with no pool slot leaked, no acknowledged write is
  lost, a refused write succeeds when sent again, and SIGTERM still stops it.
- The only pool connection killed mid-write (for a transaction: its rollback then fails): the
  request answers SERVICE_UNAVAILABLE, wrote nothing, and the slot is free for the next one.
- One request, one connection: 25 aliased root fields use a single backend.
- An exhausted pool: a request waits the pool timeout, then answers 503 SERVICE_UNAVAILABLE
  (retryable, Retry-After) and writes nothing; /readyz answers 503 in time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from booking_gateway.auth import TokenIssuer
from booking_gateway.domain.principal import ALL_SCOPES
from booking_gateway.settings import Settings
from tests.api.queries import SEED_ADD_BODY, UPDATE_SETTINGS
from tests.pg_cluster import PgCluster, find_bin_dir, free_port, private_cluster

REPO_ROOT = Path(__file__).resolve().parents[2]
JWT_SECRET = "connections-test-secret-0123456789abcdef0123456789"
DATABASE = "gateway"
UNAVAILABLE = "SERVICE_UNAVAILABLE"

# Bounds (seconds). They are generous: they tell "answers" from "hangs", not fast from slow.
STARTUP_BOUND = 60.0
PUSH_BOUND = 10.0
READYZ_BOUND = 5.0
RECOVERY_BOUND = 20.0
STOP_BOUND = 10.0
LOCK_WAIT_BOUND = 10.0

# The kill test: a small pool, a short pool timeout, more writers than connections.
KILL_POOL_SIZE = 4
KILL_POOL_TIMEOUT = 2.0
WRITERS = 8
# Pauses before each kill round: fixed, so that every run kills on the same rhythm.
KILL_SPACING = (0.10, 0.25, 0.15, 0.30, 0.20, 0.10, 0.25, 0.15)

TERMINATE_GATEWAY_BACKENDS = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""
# The gateway's backends: every client backend of its database except the test's own.
GATEWAY_BACKENDS = """
SELECT pid, wait_event_type, query FROM pg_stat_activity
WHERE datname = $1 AND backend_type = 'client backend' AND pid <> ALL($2::int[])
"""

# -- the private cluster and the gateway process -------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[PgCluster]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("no initdb under /usr/lib/postgresql/*/bin: cannot start a private cluster")
    with private_cluster(bin_dir) as running:
        yield running


@pytest.fixture(scope="module")
async def gateway_database(cluster: PgCluster) -> str:
    """The URL of an empty database on the private cluster (the gateway migrates it)."""
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    return cluster.url(DATABASE)


@dataclass
class Gateway:
    process: asyncio.subprocess.Process
    base_url: str
    log_file: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_exit(self, bound: float) -> int | None:
        """The exit code, or None if the process still runs after ``bound`` seconds."""
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=bound)
        except TimeoutError:
            return None


def _gateway_env(
    database_url: str, pool_size: int, pool_timeout: float, statement_timeout: float = 30.0
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKING_GATEWAY_")}
    env.update(
        BOOKING_GATEWAY_DATABASE_URL=database_url,
        BOOKING_GATEWAY_JWT_SECRET=JWT_SECRET,
        BOOKING_GATEWAY_DB_POOL_SIZE=str(pool_size),
        BOOKING_GATEWAY_DB_POOL_TIMEOUT_SECONDS=str(pool_timeout),
        BOOKING_GATEWAY_DB_STATEMENT_TIMEOUT_SECONDS=str(statement_timeout),
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p),
    )
    return env


@asynccontextmanager
async def running_gateway(
    database_url: str,
    workdir: Path,
    *,
    pool_size: int,
    pool_timeout: float,
    statement_timeout: float = 30.0,
) -> AsyncIterator[Gateway]:
    """``booking_gateway serve`` (migrate, then uvicorn) on a free port; killed at the end if
    the test did not stop it."""
    port = free_port()
    log_file = workdir / f"gateway-{port}.log"
    with log_file.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "booking_gateway", "serve"),
            *("--host", "127.0.0.1", "--port", str(port)),
            cwd=workdir,
            env=_gateway_env(database_url, pool_size, pool_timeout, statement_timeout),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    gateway = Gateway(process, f"http://127.0.0.1:{port}", log_file)
    try:
        await _wait_until_serving(gateway)
        yield gateway
    finally:
        if process.returncode is None:
            with suppress(ProcessLookupError):
                process.kill()
            await gateway.wait_exit(STOP_BOUND)


async def _wait_until_serving(gateway: Gateway) -> None:
    deadline = time.monotonic() + STARTUP_BOUND
    async with httpx.AsyncClient(base_url=gateway.base_url, trust_env=False) as client:
        while time.monotonic() < deadline:
            code = gateway.process.returncode
            if code is not None:
                pytest.fail(f"the gateway exited with {code} at start:\n{gateway.log_tail()}")
            try:
                if (await client.get("/healthz", timeout=1.0)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail(f"the gateway did not serve within {STARTUP_BOUND:g} s:\n{gateway.log_tail()}")


@asynccontextmanager
async def client_of(gateway: Gateway, tenant: str) -> AsyncIterator[httpx.AsyncClient]:
    token = TokenIssuer(Settings(jwt_secret=JWT_SECRET)).issue(
        tenant=tenant, subject="connections-test", scope=ALL_SCOPES
    )
    async with httpx.AsyncClient(
        base_url=gateway.base_url,
        headers={"authorization": f"Bearer {token}"},
        timeout=PUSH_BOUND,
        limits=httpx.Limits(max_connections=64),
        trust_env=False,
    ) as client:
        yield client


def fresh_tenant() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


# -- requests and their answers ------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One HTTP answer (``status`` None: none within the bound, or the connection failed)."""

    label: str
    status: int | None
    body: Any
    seconds: float
    retry_after: str | None = None

    @property
    def errors(self) -> list[dict[str, Any]]:
        found = self.body.get("errors") if isinstance(self.body, dict) else None
        return list(found) if isinstance(found, list) else []

    @property
    def data(self) -> dict[str, Any] | None:
        found = self.body.get("data") if isinstance(self.body, dict) else None
        return found if isinstance(found, dict) else None

    def __str__(self) -> str:
        problems = [
            (e.get("extensions", {}).get("code"), e.get("message")) for e in self.errors
        ] or self.body
        return f"{self.label}: HTTP {self.status} in {self.seconds:.2f} s: {problems}"

    @property
    def ok(self) -> bool:
        """200 with data and no error."""
        return self.status == 200 and not self.errors and bool(self.data)

    @property
    def ready(self) -> bool:
        """/readyz: 200, the database answers."""
        return self.status == 200 and isinstance(self.body, dict) and self.body["database"] is True

    @property
    def retryable_refusal(self) -> bool:
        """503 + Retry-After, and every error is the coded, retryable SERVICE_UNAVAILABLE."""
        return (
            self.status == 503
            and self.retry_after is not None
            and bool(self.errors)
            and all(
                e.get("extensions", {}).get("code") == UNAVAILABLE
                and e["extensions"].get("retryable") is True
                for e in self.errors
            )
        )


async def send(
    client: httpx.AsyncClient,
    label: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    bound: float = PUSH_BOUND,
) -> Answer:
    started = time.monotonic()
    try:
        response = await asyncio.wait_for(
            client.request(method, path, json=body, timeout=bound), timeout=bound
        )
    except (TimeoutError, httpx.HTTPError) as exc:
        return Answer(label, None, repr(exc), time.monotonic() - started)
    seconds = time.monotonic() - started
    try:
        payload: Any = response.json()
    except ValueError:
        payload = response.text
    return Answer(
        label, response.status_code, payload, seconds, response.headers.get("retry-after")
    )


def add_booking_body(booking_id: str) -> dict[str, Any]:
    """The Connected Cars addBooking document with this bookingId (and a VIN of its own, the
    same on every retry)."""
    body: dict[str, Any] = json.loads(SEED_ADD_BODY)
    vin = f"WV1ZZZ1JZ{zlib.crc32(booking_id.encode()) % 10**8:08d}"
    body["variables"].update(bookingId=booking_id, vin=vin)
    return body


async def push(client: httpx.AsyncClient, booking_id: str) -> Answer:
    return await send(client, booking_id, "POST", "/graphql", add_booking_body(booking_id))


async def graphql(
    client: httpx.AsyncClient, label: str, query: str, variables: dict[str, Any] | None = None
) -> Answer:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return await send(client, label, "POST", "/graphql", body)


# The two ways addBooking writes on PostgreSQL: one statement (the default), or a transaction
# (BEGIN, tenant row lock, vehicle check, insert, COMMIT) under this tenant policy.
WRITE_PATHS = ("statement", "transaction")


async def choose_write_path(client: httpx.AsyncClient, write_path: str) -> None:
    if write_path == "statement":
        return
    answer = await graphql(
        client, "policy", UPDATE_SETTINGS, {"input": {"oneActiveBookingPerVehicle": True}}
    )
    assert answer.ok, answer
    assert answer.data is not None, answer
    settings = answer.data["updateTenantSettings"].get("settings") or {}
    assert settings.get("oneActiveBookingPerVehicle") is True, answer


async def readyz(client: httpx.AsyncClient) -> Answer:
    return await send(client, "readyz", "GET", "/readyz", bound=READYZ_BOUND)


async def until(
    attempt: Callable[[], Awaitable[Answer]],
    label: str,
    accept: Callable[[Answer], bool] = lambda answer: answer.ok,
    bound: float = RECOVERY_BOUND,
    pause: float = 0.2,
) -> Answer:
    """Call ``attempt`` until ``accept`` takes an answer, for at most ``bound`` seconds."""
    deadline = time.monotonic() + bound
    answers: list[Answer] = []
    while time.monotonic() < deadline:
        answer = await attempt()
        if accept(answer):
            return answer
        answers.append(answer)
        await asyncio.sleep(pause)
    pytest.fail(f"{label}: no success within {bound:g} s; last answers: {answers[-3:]}")


# -- watching the gateway's backends -------------------------------------------------------


async def gateway_backends(observer: asyncpg.Connection, own: list[int]) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await observer.fetch(GATEWAY_BACKENDS, DATABASE, own)
    return rows


async def lock_waiters(observer: asyncpg.Connection, own: list[int]) -> set[int]:
    return {
        r["pid"] for r in await gateway_backends(observer, own) if r["wait_event_type"] == "Lock"
    }


async def wait_for_lock_waiter(observer: asyncpg.Connection, own: list[int]) -> set[int]:
    """The gateway backends blocked on a lock, once there is at least one."""
    deadline = time.monotonic() + LOCK_WAIT_BOUND
    while time.monotonic() < deadline:
        waiting = await lock_waiters(observer, own)
        if waiting:
            return waiting
        await asyncio.sleep(0.02)
    pytest.fail(f"no gateway statement waited on the lock within {LOCK_WAIT_BOUND:g} s")


@asynccontextmanager
async def locked(database_url: str, table: str) -> AsyncIterator[asyncpg.Connection]:
    """Hold an ACCESS EXCLUSIVE lock on ``table`` until the block ends (or the connection's
    ``ROLLBACK``)."""
    locker = await asyncpg.connect(database_url)
    try:
        await locker.execute("BEGIN")
        await locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield locker
    finally:
        await locker.close()


async def stored_booking_ids(database_url: str, tenant: str) -> set[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT external_id FROM bookings WHERE tenant_id = $1", tenant
        )
    finally:
        await connection.close()
    return {row["external_id"] for row in rows}


# -- A: killed backends ---------------------------------------------------------------------


async def test_killed_backends_during_concurrent_writes_lose_no_acknowledged_write(
    cluster: PgCluster, gateway_database: str, tmp_path: Path
) -> None:
    tenants = {path: fresh_tenant() for path in WRITE_PATHS}
    answers: list[tuple[str, Answer]] = []
    readiness: list[Answer] = []
    killed: list[int] = []
    acknowledged: dict[str, set[str]] = {path: set() for path in WRITE_PATHS}
    ids = (f"kill-{n}" for n in itertools.count())
    async with (
        running_gateway(
            gateway_database, tmp_path, pool_size=KILL_POOL_SIZE, pool_timeout=KILL_POOL_TIMEOUT
        ) as gateway,
        client_of(gateway, tenants["statement"]) as statement_client,
        client_of(gateway, tenants["transaction"]) as transaction_client,
    ):
        clients = {"statement": statement_client, "transaction": transaction_client}
        # given a gateway that writes, for one tenant in single statements, for the other in
        # transactions
        for path, client in clients.items():
            await choose_write_path(client, path)
            first = await push(client, f"warm-up-{path}")
            assert first.ok, f"{first}\n{gateway.log_tail()}"
            acknowledged[path].add(first.label)
        killing = asyncio.Event()

        async def writer(path: str) -> None:
            while not killing.is_set():
                answers.append((path, await push(clients[path], next(ids))))

        async def readiness_probe() -> None:
            while not killing.is_set():
                readiness.append(await readyz(statement_client))
                await asyncio.sleep(0.05)

        async def killer() -> None:
            admin = await asyncpg.connect(cluster.url())
            try:
                for pause in KILL_SPACING:
                    await asyncio.sleep(pause)
                    rows = await admin.fetch(TERMINATE_GATEWAY_BACKENDS, DATABASE)
                    killed.append(sum(1 for row in rows if row[0]))
            finally:
                killing.set()
                await admin.close()

        # when its backends are killed, round after round, during concurrent pushes
        writers = (writer(WRITE_PATHS[n % len(WRITE_PATHS)]) for n in range(WRITERS))
        await asyncio.wait_for(
            asyncio.gather(killer(), readiness_probe(), *writers),
            timeout=sum(KILL_SPACING) + PUSH_BOUND + READYZ_BOUND + 10,
        )

        # then backends were killed while requests ran, and every request answered in time:
        # data, or the coded retryable error
        assert sum(killed) > 0, killed
        assert answers
        late = [str(a) for _, a in answers if a.status is None or a.seconds >= PUSH_BOUND]
        assert not late, late
        wrong = [f"({path}) {a}" for path, a in answers if not (a.ok or a.retryable_refusal)]
        assert not wrong, (
            f"{len(wrong)} of {len(answers)} answers neither data nor the retryable error:\n"
            + "\n".join(wrong[:10])
            + f"\n{gateway.log_tail(20)}"
        )
        for path, answer in answers:
            if answer.ok:
                acknowledged[path].add(answer.label)
        # /readyz answered every time, 200 or 503, within its bound
        assert readiness
        hung = [str(a) for a in readiness if a.status not in (200, 503)]
        assert not hung, hung

        # and the gateway recovers by itself: pushes succeed and /readyz says ready
        def new_push(client: httpx.AsyncClient) -> Callable[[], Awaitable[Answer]]:
            return lambda: push(client, next(ids))

        for path, client in clients.items():
            recovered = await until(new_push(client), f"a {path} push after the kills")
            acknowledged[path].add(recovered.label)
        await until(lambda: readyz(statement_client), "/readyz after the kills", lambda a: a.ready)
        # with no pool slot leaked: twice as many concurrent pushes as slots all succeed
        burst_paths = [WRITE_PATHS[n % len(WRITE_PATHS)] for n in range(2 * KILL_POOL_SIZE)]
        burst = await asyncio.gather(*(push(clients[path], next(ids)) for path in burst_paths))
        assert all(a.ok for a in burst), [str(a) for a in burst if not a.ok]
        for path, answer in zip(burst_paths, burst, strict=True):
            acknowledged[path].add(answer.label)
        # and a refused push, sent again, succeeds (added now, or found already added)
        for path, answer in answers:
            if not answer.ok:
                again = await push(clients[path], answer.label)
                assert again.ok, f"({path}) {again}"
                acknowledged[path].add(answer.label)

        # and every acknowledged booking is stored
        for path, tenant in tenants.items():
            lost = acknowledged[path] - await stored_booking_ids(gateway_database, tenant)
            assert not lost, f"{path}: acknowledged but not stored: {sorted(lost)}"

        # and SIGTERM still stops the gateway, which closes its connections
        gateway.process.send_signal(signal.SIGTERM)
        code = await gateway.wait_exit(STOP_BOUND)
        # (uvicorn shuts down gracefully, then re-raises the signal it caught)
        assert code in (0, -signal.SIGTERM), f"exit {code} after SIGTERM\n{gateway.log_tail()}"
        assert "Application shutdown complete" in gateway.log_tail(5), gateway.log_tail()
    observer = await asyncpg.connect(gateway_database)
    try:
        own = [observer.get_server_pid()]
        deadline = time.monotonic() + STOP_BOUND
        remaining = await gateway_backends(observer, own)
        while remaining and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            remaining = await gateway_backends(observer, own)
        assert remaining == []
    finally:
        await observer.close()


@pytest.mark.parametrize("write_path", WRITE_PATHS)
async def test_the_only_connection_killed_mid_write_frees_its_pool_slot(
    gateway_database: str, tmp_path: Path, write_path: str
) -> None:
    tenant = fresh_tenant()
    async with (
        running_gateway(gateway_database, tmp_path, pool_size=1, pool_timeout=2.0) as gateway,
        client_of(gateway, tenant) as client,
    ):
        await choose_write_path(client, write_path)
        observer = await asyncpg.connect(gateway_database)
        try:
            # given a push blocked inside its write (for the transaction path: inside its
            # transaction, whose rollback must then fail) on the gateway's only connection
            async with locked(gateway_database, "audit_events") as locker:
                own = [observer.get_server_pid(), locker.get_server_pid()]
                blocked = asyncio.create_task(push(client, "killed-mid-write"))
                waiting = await wait_for_lock_waiter(observer, own)

                # when that backend is killed
                await observer.fetch(
                    "SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", list(waiting)
                )
                answer = await blocked
        finally:
            await observer.close()

        # then the push answers the coded retryable error in time, and wrote nothing
        assert answer.retryable_refusal, f"{answer}\n{gateway.log_tail(10)}"
        assert answer.seconds < PUSH_BOUND
        assert "killed-mid-write" not in await stored_booking_ids(gateway_database, tenant)
        # and the slot is free again: the next pushes and /readyz succeed at once
        for n in range(3):
            again = await push(client, f"after-kill-{n}")
            assert again.ok, f"{again}\n{gateway.log_tail(10)}"
        assert (await readyz(client)).ready
        # and the refused push, sent again, succeeds
        assert (await push(client, "killed-mid-write")).ok


# -- B: one request, one connection; a bounded wait for an exhausted pool -------------------

ALIASES = 25
ALIASED_WORKSHOPS = "{ " + " ".join(f"w{n}: workshops {{ id }}" for n in range(ALIASES)) + " }"
WORKSHOPS = "{ workshops { id } }"


async def test_a_request_with_25_root_fields_uses_one_connection(
    gateway_database: str, tmp_path: Path
) -> None:
    async with (
        running_gateway(gateway_database, tmp_path, pool_size=10, pool_timeout=5.0) as gateway,
        client_of(gateway, fresh_tenant()) as client,
    ):
        observer = await asyncpg.connect(gateway_database)
        try:
            # given the workshops table locked, so the request's statements wait in the database
            async with locked(gateway_database, "workshops") as locker:
                own = [observer.get_server_pid(), locker.get_server_pid()]

                # when a query of 25 aliased root fields, each a statement, is sent
                request = asyncio.create_task(graphql(client, "aliases", ALIASED_WORKSHOPS))
                seen = await wait_for_lock_waiter(observer, own)
                most = len(seen)
                # (the 24 other root fields have every chance to take their own connection)
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline:
                    waiting = await lock_waiters(observer, own)
                    seen |= waiting
                    most = max(most, len(waiting))
                    await asyncio.sleep(0.02)
                await locker.execute("ROLLBACK")
                answer = await request
            backends = await gateway_backends(observer, own)
        finally:
            await observer.close()

    # then a single backend ran its statements, and the pool (10) never grew past one
    assert (most, len(seen)) == (1, 1), seen
    assert len(backends) == 1, backends
    # and all 25 fields were answered
    assert answer.ok, answer
    assert answer.data is not None
    assert sorted(answer.data) == sorted(f"w{n}" for n in range(ALIASES))


async def test_an_exhausted_pool_answers_a_retryable_error_within_its_timeout(
    gateway_database: str, tmp_path: Path
) -> None:
    pool_timeout = 1.0
    tenant = fresh_tenant()
    async with (
        running_gateway(gateway_database, tmp_path, pool_size=1, pool_timeout=pool_timeout) as gw,
        client_of(gw, tenant) as client,
    ):
        observer = await asyncpg.connect(gateway_database)
        try:
            async with locked(gateway_database, "workshops") as locker:
                # given the only pool connection held by a request waiting on a lock
                own = [observer.get_server_pid(), locker.get_server_pid()]
                holder = asyncio.create_task(graphql(client, "holder", WORKSHOPS))
                await wait_for_lock_waiter(observer, own)

                # when a query, a push and /readyz arrive
                query, write, ready = await asyncio.gather(
                    graphql(client, "query", WORKSHOPS),
                    push(client, "refused-push"),
                    readyz(client),
                )
                assert not holder.done()
                await locker.execute("ROLLBACK")
                held = await holder
        finally:
            await observer.close()

        # then the query and the push waited about the pool timeout, not more, and answered
        # 503 + Retry-After with SERVICE_UNAVAILABLE, retryable
        for answer in (query, write):
            assert answer.retryable_refusal, answer
            assert pool_timeout * 0.5 <= answer.seconds < pool_timeout + 4, answer
        # and /readyz answered "not ready" in time
        assert ready.status == 503, ready
        assert ready.seconds < READYZ_BOUND, ready
        # and the request holding the connection completes once the lock is gone
        assert held.ok, held
        # and the refused push wrote nothing; sent again, it succeeds
        assert "refused-push" not in await stored_booking_ids(gateway_database, tenant)
        again = await push(client, "refused-push")
        assert again.ok, again
        assert (await graphql(client, "query again", WORKSHOPS)).ok


async def test_a_statement_held_up_by_a_lock_answers_503_within_the_statement_timeout(
    gateway_database: str, tmp_path: Path
) -> None:
    statement_timeout = 1.0
    tenant = fresh_tenant()
    async with (
        running_gateway(
            gateway_database,
            tmp_path,
            pool_size=4,
            pool_timeout=10.0,
            statement_timeout=statement_timeout,
        ) as gw,
        client_of(gw, tenant) as client,
    ):
        # given a table lock another session holds for longer than the statement timeout
        async with locked(gateway_database, "workshops"):
            # when a query needing the table arrives
            answer = await graphql(client, "held up", WORKSHOPS)

        # then it answered 503 SERVICE_UNAVAILABLE, retryable, after about the timeout
        assert answer.retryable_refusal, answer
        assert statement_timeout * 0.5 <= answer.seconds < statement_timeout + 4, answer
        # and with the lock gone the same query answers
        assert (await graphql(client, "after", WORKSHOPS)).ok

"""Load benchmark over real HTTP: the gateway against a raw baseline service, in one command.

    .venv/bin/python -m bench.load                                   # both databases
    .venv/bin/python -m bench.load --database sqlite --requests 1000 --json load.json
    .venv/bin/python -m bench.load --database postgresql --pushes 20000
    .venv/bin/python -m bench.load --workloads reads                # reads, PostgreSQL

Per database it starts, as separate processes on free 127.0.0.1 ports, ``booking-gateway serve``
(one uvicorn worker, on a fresh database: a temporary SQLite file, or a PostgreSQL database
``bench_<random>`` created here and dropped at the end) and ``bench/raw_service.py`` (the same
request body, one comparable SQL statement, nothing else). A third process sends the load: an
asyncio HTTP/1.1 keep-alive client, one connection per concurrent client, a unique bookingId
per request, the Connected Cars documents byte for byte as dealer systems send them.

Workloads (both targets warmed up first, then interleaved, ``--rounds`` rounds each, the order
flipped every round): addBooking c=1 and c=32, the identical addBooking again for existing
bookings c=32 (a retrying client), changeBooking c=32 and cancelBooking c=32 on bookings created
beforehand (not timed). Any transport error, non-2xx answer or GraphQL ``errors`` fails the run.

``--workloads reads`` (PostgreSQL only; ``all``: writes, then reads) runs the read workloads of
``bench/load_reads.py`` instead: timeslots c=1 and c=8, a 50-booking page on a tenant with 1,000
and one with 500,000 bookings, a 500-event change feed page, each against one comparable read
of the raw service, and prints the read targets after the table.

Reported per workload and target: server CPU per request (utime + stime of the server process
across the measured phase, from /proc), the gateway/raw ratios, requests/s, p50/p99 latency,
on PostgreSQL the CPU of the database backends serving the target's connections, and the
server's peak RSS (VmHWM). The machine may be busy: read CPU per request and ratios, not the
absolute times. ``--pushes N`` then pushes N more addBookings to each target and reports the
peak RSS after them. Everything started is stopped (and the database dropped) on any failure
or Ctrl-C. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import http.client
import itertools
import json
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HOST = "127.0.0.1"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-load-secret-0123456789abcdef0123456789abcdef0123456789abcdef"
USER_AGENT = "service-booking-integration/v1"  # the dealer client's, as the seed sends it
CLK_TCK = os.sysconf("SC_CLK_TCK")
FEW_TICKS = 20  # a CPU delta is exact to about 2 ticks: below 20 it is marked approximate
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
PUSH_CHUNK = 1000
PUSH_CONCURRENCY = 32
WARMUP_CONCURRENCY = 8
MAX_JOBS = 100_000  # per load process; a run needs a few dozen

# The Connected Cars "Import service bookings" documents, byte for byte (tests/api/queries.py):
# every variable declared ``String!``, no selection set, an operationName.
_FIELDS = (
    "appointmentDate",
    "bookingDealer",
    "bookingId",
    "bookingSource",
    "vin",
    "reasonKey",
    "reasonText",
)


def _seed_document(operation: str, names: Sequence[str]) -> str:
    declared = "".join(f"  ${n}: String!\n" for n in names)
    arguments = "".join(f"      {n}: ${n}\n" for n in names)
    field_name = operation[0].lower() + operation[1:]
    return (
        f"mutation {operation}(\n{declared}) {{\n  {field_name}(\n    input: {{\n"
        f"{arguments}    }}\n  )\n}}\n"
    )


ADD_DOCUMENT = _seed_document("AddBooking", _FIELDS)
CHANGE_DOCUMENT = _seed_document("ChangeBooking", _FIELDS)
CANCEL_DOCUMENT = _seed_document("CancelBooking", ("bookingId",))


@dataclass(frozen=True)
class Booking:
    booking_id: str
    vin: str


def _body(document: str, operation: str, variables: dict[str, str]) -> bytes:
    payload = {"query": document, "variables": variables, "operationName": operation}
    return json.dumps(payload, separators=(",", ":")).encode()


def add_body(booking: Booking) -> bytes:
    return _body(
        ADD_DOCUMENT,
        "AddBooking",
        {
            "appointmentDate": "2022-01-12",
            "bookingDealer": "DEU12345N",
            "bookingId": booking.booking_id,
            "bookingSource": "user",
            "vin": booking.vin,
            "reasonKey": "service",
            "reasonText": "Service",
        },
    )


def change_body(booking: Booking) -> bytes:
    return _body(
        CHANGE_DOCUMENT,
        "ChangeBooking",
        {
            "appointmentDate": "2022-01-12",
            "bookingDealer": "DEU12345N",
            "bookingId": booking.booking_id,
            "bookingSource": "user",
            "vin": booking.vin,
            "reasonKey": "maintenance",
            "reasonText": "Maintenance Update",
        },
    )


def cancel_body(booking: Booking) -> bytes:
    return _body(CANCEL_DOCUMENT, "CancelBooking", {"bookingId": booking.booking_id})


class BenchError(Exception):
    """The benchmark cannot go on: a server failed, or a response was not a success."""


# --------------------------------------------------------------------------- load process


@dataclass
class Job:
    port: int
    field: str  # the data field every answer must carry: addBooking, changeBooking...
    requests: list[bytes]  # complete HTTP/1.1 requests, one per booking
    concurrency: int
    deadline_s: float


@dataclass
class JobResult:
    requests: int
    completed: int = 0
    elapsed_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    ids: list[str | None] = field(default_factory=list)
    transport_errors: int = 0
    non_2xx: int = 0
    graphql_errors: int = 0
    samples: list[str] = field(default_factory=list)

    def note(self, sample: str) -> None:
        if len(self.samples) < 5:
            self.samples.append(sample[:300])


Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _connect(port: int) -> Stream:
    return await asyncio.wait_for(asyncio.open_connection(HOST, port), REQUEST_TIMEOUT_S)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 response: status, body, whether the server closes the connection."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    length: int | None = None
    chunked = close = False
    for line in head[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value
        elif name == "connection":
            close = value == "close"
    if chunked:
        parts = []
        for _ in range(100_000):
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        return status, b"".join(p[:-2] for p in parts), close
    if length is None:
        raise ValueError("response without Content-Length")
    return status, await reader.readexactly(length), close


async def _drive(job: Job, streams: list[Stream]) -> JobResult:
    n = len(job.requests)
    result = JobResult(requests=n, latencies_s=[], ids=[None] * n)
    next_index = itertools.count()
    writers: set[asyncio.StreamWriter] = {w for _, w in streams}

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(n):  # bounded: each pass takes one request
            i = next(next_index)
            if i >= n:
                return
            started = time.perf_counter()
            try:
                writer.write(job.requests[i])
                status, body, close = await asyncio.wait_for(
                    _read_response(reader), REQUEST_TIMEOUT_S
                )
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
                result.transport_errors += 1
                result.note(f"request {i}: {type(exc).__name__}: {exc}")
                close = True
            else:
                result.completed += 1
                result.latencies_s.append(time.perf_counter() - started)
                _check(job, result, i, status, body)
            if close:
                writer.close()
                writers.discard(writer)
                try:
                    reader, writer = await _connect(job.port)
                except (OSError, TimeoutError) as exc:
                    result.note(f"reconnect: {type(exc).__name__}: {exc}")
                    return
                writers.add(writer)

    started = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.gather(*(client(r, w) for r, w in streams)), job.deadline_s)
    except TimeoutError:
        result.note(f"deadline of {job.deadline_s:.0f} s passed")
    finally:
        result.elapsed_s = time.perf_counter() - started
        for writer in writers:
            writer.close()
    unanswered = n - result.completed - result.transport_errors
    if unanswered:
        result.transport_errors += unanswered
        result.note(f"{unanswered} requests not answered")
    return result


def _check(job: Job, result: JobResult, i: int, status: int, body: bytes) -> None:
    if not 200 <= status < 300:
        result.non_2xx += 1
        result.note(f"request {i}: HTTP {status}: {body[:200]!r}")
        return
    try:
        document = json.loads(body)
        answer = document["data"][job.field]
    except (ValueError, KeyError, TypeError):
        document, answer = None, None
    # A write answers an id; a read (bench.load_reads) any non-null value.
    if answer is None or not isinstance(document, dict) or "errors" in document:
        result.graphql_errors += 1
        result.note(f"request {i}: {body[:200]!r}")
        return
    result.ids[i] = answer if isinstance(answer, str) else None


def _event_loop_runner() -> asyncio.Runner:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


def load_process(pipe: Connection) -> None:
    """The load client's process: per job open the connections, say "ready", wait for "go",
    send every request, answer the result. Ends on ``None`` or when the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    with _event_loop_runner() as runner:
        for _ in range(MAX_JOBS):
            try:
                job = pipe.recv()
            except (EOFError, OSError):
                return
            if job is None:
                return
            assert isinstance(job, Job)
            count = min(job.concurrency, len(job.requests))
            try:
                streams = runner.run(_open_all(job.port, count))
            except (OSError, TimeoutError) as exc:
                pipe.send(("failed", f"cannot connect to port {job.port}: {exc}"))
                continue
            pipe.send(("ready", None))
            try:
                go = pipe.recv()
            except (EOFError, OSError):
                return
            if go != "go":
                for _, writer in streams:
                    writer.close()
                continue
            pipe.send(("done", runner.run(_drive(job, streams))))


async def _open_all(port: int, count: int) -> list[Stream]:
    return list(await asyncio.gather(*(_connect(port) for _ in range(count))))


class LoadClient:
    """The parent's handle on the load process."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process: BaseProcess = context.Process(
            target=load_process, args=(child,), name="bench-load-client", daemon=True
        )
        self._process.start()
        child.close()

    def _receive(self, seconds: float) -> tuple[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._pipe.poll(0.5):
                message: tuple[str, Any] = self._pipe.recv()
                return message
            if not self._process.is_alive():
                raise BenchError(f"the load process died (exit code {self._process.exitcode})")
        raise BenchError(f"the load process did not answer within {seconds:.0f} s")

    def run(self, job: Job, measure: Callable[[], None] | None = None) -> JobResult:
        """Run one job; ``measure`` is called right before and right after the load."""
        self._pipe.send(job)
        kind, detail = self._receive(START_TIMEOUT_S)
        if kind != "ready":
            raise BenchError(str(detail))
        if measure:
            measure()
        self._pipe.send("go")
        kind, result = self._receive(job.deadline_s + START_TIMEOUT_S)
        if measure:
            measure()
        assert kind == "done"
        assert isinstance(result, JobResult)
        return result

    def stop(self) -> None:
        with suppress(OSError, ValueError):
            self._pipe.send(None)
        self._process.join(STOP_TIMEOUT_S)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(STOP_TIMEOUT_S)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(STOP_TIMEOUT_S)
        self._pipe.close()


# --------------------------------------------------------------------------- servers, /proc


def cpu_seconds(pid: int) -> float:
    """utime + stime (fields 14 and 15 of /proc/<pid>/stat) of every thread of the process."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # fields from 3 (state) on
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmHWM for process {pid}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the benchmark dies, even by SIGKILL."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    token: str
    vins: Iterator[int] = field(default_factory=itertools.count)

    @property
    def pid(self) -> int:
        return self.process.pid

    def request(self, body: bytes, token: str | None = None) -> bytes:
        head = (
            f"POST /graphql HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            f"User-Agent: {USER_AGENT}\r\nAuthorization: Bearer {token or self.token}\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def get(self, target: str) -> bytes:
        """A GET request (the raw service's read endpoints); ``target`` is path and query."""
        return (
            f"GET {target} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            f"User-Agent: {USER_AGENT}\r\nAccept: application/json\r\n\r\n"
        ).encode()

    def bookings(self, prefix: str, count: int) -> list[Booking]:
        """New bookings: unique ids, and a distinct valid VIN each."""
        return [
            Booking(f"{prefix}-{i:06d}", f"WV1ZZZ1JZ{next(self.vins):08d}") for i in range(count)
        ]

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\n".join(f"    {line[:300]}" for line in text)


def start_server(
    name: str, argv: list[str], env: dict[str, str], workdir: Path, token: str
) -> Server:
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        # Our own interpreter with our own arguments.
        process = subprocess.Popen(  # noqa: S603
            [*argv, "--host", HOST, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
            start_new_session=True,  # Ctrl-C reaches the benchmark only; it stops the servers
            preexec_fn=_die_with_parent,
        )
    return Server(name, process, port, log, token)


def wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(
                f"{server.name} exited with {server.process.returncode} while starting:\n"
                + server.log_tail()
            )
        connection = http.client.HTTPConnection(HOST, server.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise BenchError(
        f"{server.name} did not answer /healthz within {START_TIMEOUT_S:.0f} s:\n"
        + server.log_tail()
    )


def stop_server(server: Server) -> None:
    process = server.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_S)


# --------------------------------------------------------------------------- PostgreSQL


class Postgres:
    """Creates the benchmark's own database, reads its backends' CPU, drops it."""

    def __init__(self, admin_url: str) -> None:
        parts = urlsplit(admin_url)
        if parts.hostname != HOST:
            raise BenchError(f"--postgres-url must point at {HOST}")
        self.name = f"bench_{secrets.token_hex(6)}"
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        self._admin_url = urlunsplit(parts._replace(path="/postgres"))
        self._runner = asyncio.Runner()
        self._conn: Any = None
        self.created = False
        self.cpu_visible = True

    def create(self) -> None:
        import asyncpg

        async def create() -> Any:
            conn = await asyncpg.connect(self._admin_url, timeout=REQUEST_TIMEOUT_S)
            await conn.execute(f'CREATE DATABASE "{self.name}"')
            return conn

        self.created = True  # before CREATE: an interrupted create is dropped too (IF EXISTS)
        self._conn = self._runner.run(create())

    def backend_cpu(self) -> dict[int, float]:
        """CPU seconds of each client backend connected to the benchmark's database."""
        if not self.cpu_visible:
            return {}
        rows = self._runner.run(
            self._conn.fetch(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = $1 AND backend_type = 'client backend'",
                self.name,
            )
        )
        seconds = {}
        for row in rows:
            try:
                seconds[row["pid"]] = cpu_seconds(row["pid"])
            except (OSError, ValueError, IndexError):
                self.cpu_visible = False  # e.g. the server runs in another PID namespace
                return {}
        return seconds

    def close(self) -> None:
        """Drop the database this object created (only that one), then disconnect."""
        with suppress(Exception):
            if self._conn is not None:
                self._runner.run(self._conn.close(timeout=STOP_TIMEOUT_S))
        self._runner.close()
        if not self.created:
            return
        import asyncpg

        async def drop() -> None:
            conn = await asyncpg.connect(self._admin_url, timeout=REQUEST_TIMEOUT_S)
            try:  # the name is this run's own random one, so FORCE cannot hit anyone else's
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            finally:
                await conn.close()

        asyncio.run(drop())
        self.created = False


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Workload:
    name: str
    field: str
    concurrency: int


ADD_1 = Workload("addBooking c=1", "addBooking", 1)
ADD_32 = Workload("addBooking c=32", "addBooking", 32)
RETRY_32 = Workload("addBooking retry c=32", "addBooking", 32)
CHANGE_32 = Workload("changeBooking c=32", "changeBooking", 32)
CANCEL_32 = Workload("cancelBooking c=32", "cancelBooking", 32)
WORKLOADS = (ADD_1, ADD_32, RETRY_32, CHANGE_32, CANCEL_32)


@dataclass
class Phase:
    """One measured run of a workload against one target."""

    requests: int
    elapsed_s: float
    latencies_s: list[float]
    cpu_s: float
    db_cpu_s: float | None
    peak_rss_mib: float


@dataclass
class Row:
    database: str
    workload: str
    target: str
    requests: int
    cpu_ms_per_request: float
    cpu_ticks: int
    cpu_ratio: float | None
    rps_ratio: float | None
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    db_cpu_ms_per_request: float | None
    peak_rss_mib: float
    rounds: list[dict[str, float]]


@dataclass
class PushReport:
    database: str
    target: str
    pushes: int
    peak_rss_before_mib: float
    peak_rss_after_mib: float
    requests_per_s: float
    cpu_ms_per_request: float


def deadline_for(count: int) -> float:
    return 30.0 + count / 10  # fails a target that falls below ~10 requests/s


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class Bench:
    def __init__(self, database: str, client: LoadClient, pg: Postgres | None) -> None:
        self.database = database
        self.client = client
        self.pg = pg

    def send(
        self, server: Server, workload: Workload, bodies: list[bytes], what: str
    ) -> tuple[JobResult, Phase | None]:
        """Send the bodies; measure the server across the load unless it is a preparation."""
        return self.send_requests(server, workload, [server.request(b) for b in bodies], what)

    def send_requests(
        self,
        server: Server,
        workload: Workload,
        requests: list[bytes],
        what: str,
        deadline_s: float | None = None,
    ) -> tuple[JobResult, Phase | None]:
        """Send complete HTTP requests; measure the server across the load unless it is a
        preparation."""
        job = Job(
            port=server.port,
            field=workload.field,
            requests=requests,
            concurrency=workload.concurrency,
            deadline_s=deadline_s or deadline_for(len(requests)),
        )
        marks: list[tuple[float, dict[int, float]]] = []

        def mark() -> None:
            marks.append((cpu_seconds(server.pid), self.pg.backend_cpu() if self.pg else {}))

        result = self.client.run(job, mark if what == "measure" else None)
        if result.transport_errors or result.non_2xx or result.graphql_errors:
            raise BenchError(
                f"{self.database} {server.name} {workload.name} ({what}): "
                f"{result.transport_errors} transport errors, {result.non_2xx} non-2xx, "
                f"{result.graphql_errors} GraphQL errors of {len(requests)} requests:\n  "
                + "\n  ".join(result.samples)
                + f"\n  server log:\n{server.log_tail()}"
            )
        if server.process.poll() is not None:
            raise BenchError(f"{server.name} exited:\n{server.log_tail()}")
        if what != "measure":
            return result, None
        (cpu_before, db_before), (cpu_after, db_after) = marks
        db_cpu = None
        if self.pg and self.pg.cpu_visible:
            db_cpu = sum(s - db_before.get(pid, 0.0) for pid, s in db_after.items())
        phase = Phase(
            requests=len(requests),
            elapsed_s=result.elapsed_s,
            latencies_s=result.latencies_s,
            cpu_s=cpu_after - cpu_before,
            db_cpu_s=db_cpu,
            peak_rss_mib=peak_rss_mib(server.pid),
        )
        return result, phase

    def warm_up(self, server: Server, count: int) -> None:
        bookings = server.bookings("warm", count)
        for workload, body in (
            (Workload("warm-up add", "addBooking", WARMUP_CONCURRENCY), add_body),
            (Workload("warm-up retry", "addBooking", WARMUP_CONCURRENCY), add_body),
            (Workload("warm-up change", "changeBooking", WARMUP_CONCURRENCY), change_body),
            (Workload("warm-up cancel", "cancelBooking", WARMUP_CONCURRENCY), cancel_body),
        ):
            self.send(server, workload, [body(b) for b in bookings], "warm-up")

    def run(
        self, servers: list[Server], requests: int, rounds: int
    ) -> dict[tuple[str, str], list[Phase]]:
        per_round = max(1, requests // rounds)
        phases: dict[tuple[str, str], list[Phase]] = {}
        # What a later workload works on, per (server, round): the keys and the answered ids.
        added: dict[tuple[str, int], tuple[list[Booking], list[str | None]]] = {}
        changed: dict[tuple[str, int], tuple[list[Booking], list[str | None]]] = {}
        for workload in WORKLOADS:
            for number in range(rounds):
                order = servers if number % 2 == 0 else servers[::-1]
                for server in order:
                    key = (server.name, number)
                    expected: list[str | None] | None = None
                    if workload in (ADD_1, ADD_32):
                        bookings = server.bookings(f"c{workload.concurrency}r{number}", per_round)
                        bodies = [add_body(b) for b in bookings]
                    elif workload is RETRY_32:
                        bookings, expected = added[key]
                        bodies = [add_body(b) for b in bookings]
                    elif workload is CHANGE_32:
                        bookings = server.bookings(f"chg-r{number}", per_round)
                        prepared, _ = self.send(
                            server, ADD_32, [add_body(b) for b in bookings], "prepare"
                        )
                        expected = prepared.ids
                        bodies = [change_body(b) for b in bookings]
                    else:
                        bookings, expected = changed[key]
                        bodies = [cancel_body(b) for b in bookings]
                    result, phase = self.send(server, workload, bodies, "measure")
                    assert phase is not None
                    if expected is not None and result.ids != expected:
                        raise BenchError(
                            f"{server.name} {workload.name}: answered other booking ids "
                            "than the bookings it worked on"
                        )
                    if workload is ADD_32:
                        added[key] = (bookings, result.ids)
                    elif workload is CHANGE_32:
                        changed[key] = (bookings, result.ids)
                    phases.setdefault((workload.name, server.name), []).append(phase)
                    progress(
                        f"{self.database}: {workload.name:<22} round {number + 1}/{rounds} "
                        f"{server.name:<7} {phase.requests / phase.elapsed_s:8.0f} req/s "
                        f"{phase.cpu_s * 1000 / phase.requests:7.2f} CPU ms/req"
                    )
        return phases

    def push(self, server: Server, count: int) -> PushReport:
        before = peak_rss_mib(server.pid)
        cpu_before = cpu_seconds(server.pid)
        elapsed = 0.0
        done = 0
        for chunk in range(0, count, PUSH_CHUNK):
            size = min(PUSH_CHUNK, count - chunk)
            bookings = server.bookings(f"push{chunk // PUSH_CHUNK}", size)
            workload = Workload("push addBooking", "addBooking", PUSH_CONCURRENCY)
            result, _ = self.send(server, workload, [add_body(b) for b in bookings], "push")
            elapsed += result.elapsed_s
            done += size
            progress(f"{self.database}: pushes {server.name:<7} {done}/{count}")
        return PushReport(
            database=self.database,
            target=server.name,
            pushes=count,
            peak_rss_before_mib=round(before, 1),
            peak_rss_after_mib=round(peak_rss_mib(server.pid), 1),
            requests_per_s=round(count / elapsed, 1) if elapsed else 0.0,
            cpu_ms_per_request=round((cpu_seconds(server.pid) - cpu_before) * 1000 / count, 3),
        )


def summarise(
    database: str,
    phases: dict[tuple[str, str], list[Phase]],
    workloads: Sequence[Workload] = WORKLOADS,
) -> list[Row]:
    rows: list[Row] = []
    for workload in workloads:
        summary: dict[str, Row] = {}
        for target in ("gateway", "raw"):
            runs = phases[(workload.name, target)]
            count = sum(p.requests for p in runs)
            cpu = sum(p.cpu_s for p in runs)
            db_values = [p.db_cpu_s for p in runs]
            db_cpu = None if None in db_values else sum(v or 0.0 for v in db_values)
            latencies = [s for p in runs for s in p.latencies_s]
            summary[target] = Row(
                database=database,
                workload=workload.name,
                target=target,
                requests=count,
                cpu_ms_per_request=round(cpu * 1000 / count, 4),
                cpu_ticks=round(cpu * CLK_TCK),
                cpu_ratio=None,
                rps_ratio=None,
                requests_per_s=round(count / sum(p.elapsed_s for p in runs), 1),
                p50_ms=round(statistics.median(latencies) * 1000, 3),
                p99_ms=round(percentile(latencies, 0.99) * 1000, 3),
                db_cpu_ms_per_request=None if db_cpu is None else round(db_cpu * 1000 / count, 4),
                peak_rss_mib=round(max(p.peak_rss_mib for p in runs), 1),
                rounds=[
                    {
                        "requests": p.requests,
                        "requests_per_s": round(p.requests / p.elapsed_s, 1),
                        "cpu_ms_per_request": round(p.cpu_s * 1000 / p.requests, 4),
                    }
                    for p in runs
                ],
            )
        gateway, raw = summary["gateway"], summary["raw"]
        if raw.cpu_ms_per_request > 0:
            gateway.cpu_ratio = round(gateway.cpu_ms_per_request / raw.cpu_ms_per_request, 2)
        gateway.rps_ratio = round(gateway.requests_per_s / raw.requests_per_s, 3)
        rows += [gateway, raw]
    return rows


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- one database


def run_database(
    kind: str, args: argparse.Namespace, extra: dict[str, Any]
) -> tuple[list[Row], list[PushReport]]:
    """Run the chosen workloads on one database; the read set-up's facts go into ``extra``."""
    from booking_gateway.auth import TokenIssuer
    from booking_gateway.domain.principal import ALL_SCOPES
    from booking_gateway.settings import Settings

    stack = ExitStack()
    try:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
        pg: Postgres | None = None
        if kind == "postgresql":
            pg = Postgres(args.postgres_url)
            stack.callback(pg.close)
            pg.create()
            gateway_url = raw_url = pg.url
            label = f"postgresql (database {pg.name})"
        else:
            gateway_url = f"sqlite:///{workdir / 'gateway.db'}"
            raw_url = f"sqlite:///{workdir / 'raw.db'}"
            label = "sqlite (temporary files)"
        tenant = f"bench-{secrets.token_hex(4)}"
        token = TokenIssuer(Settings(database_url=gateway_url, jwt_secret=SECRET)).issue(
            tenant=tenant, subject="bench-load", scope=ALL_SCOPES, ttl_seconds=6 * 3600
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKING_GATEWAY_")}
        # The servers import the booking_gateway of this checkout, as this process does.
        path = [str(PROJECT_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env |= {
            "PYTHONPATH": os.pathsep.join(path),
            "BOOKING_GATEWAY_DATABASE_URL": gateway_url,
            "BOOKING_GATEWAY_JWT_SECRET": SECRET,
            "BOOKING_GATEWAY_LOG_LEVEL": args.gateway_log_level,
        }
        progress(f"{kind}: starting the gateway and the raw service ({label})")
        gateway = start_server(
            "gateway",
            [sys.executable, "-m", "booking_gateway", "serve"],
            env,
            workdir,
            token,
        )
        stack.callback(stop_server, gateway)
        raw_service = str(Path(__file__).with_name("raw_service.py"))
        raw = start_server(
            "raw",
            [sys.executable, raw_service, "--database-url", raw_url],
            env,
            workdir,
            token,
        )
        stack.callback(stop_server, raw)
        client = LoadClient()
        stack.callback(client.stop)
        for server in (gateway, raw):
            wait_until_up(server)
        bench = Bench(kind, client, pg)
        rows: list[Row] = []
        pushes: list[PushReport] = []
        if args.workloads in ("writes", "all"):
            for server in (gateway, raw):
                progress(f"{kind}: warming up {server.name}")
                bench.warm_up(server, args.warmup)
            phases = bench.run([gateway, raw], args.requests, args.rounds)
            rows += summarise(kind, phases)
            pushes = [bench.push(s, args.pushes) for s in (gateway, raw)] if args.pushes else []
        if args.workloads in ("reads", "all") and pg is not None:
            from bench import load_reads

            def issue(for_tenant: str) -> str:
                return TokenIssuer(Settings(database_url=gateway_url, jwt_secret=SECRET)).issue(
                    tenant=for_tenant, subject="bench-load", scope=ALL_SCOPES, ttl_seconds=6 * 3600
                )

            seeded = load_reads.seed(
                gateway, pg, tenant, issue, args.small_bookings, args.big_bookings
            )
            extra["read_setup_seconds"] = seeded.seconds
            extra["read_checks"] = load_reads.check_same_rows(gateway, raw, seeded)
            progress(f"{kind}: same rows from both targets: {extra['read_checks']}")
            read_phases = load_reads.run_reads(
                bench, gateway, raw, seeded, args.read_requests, args.rounds
            )
            rows += summarise(kind, read_phases, load_reads.READ_WORKLOADS)
        return rows, pushes
    finally:
        # Nothing may interrupt the clean-up; a second Ctrl-C included.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            stack.close()
        finally:
            signal.signal(signal.SIGINT, previous)


# --------------------------------------------------------------------------- report


def _num(value: float | None, digits: int, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def print_table(rows: list[Row], pushes: list[PushReport], settings: dict[str, Any]) -> None:
    headers = (
        "workload",
        "target",
        "CPU ms/req",
        "CPU gw/raw",
        "req/s gw/raw",
        "req/s",
        "p50 ms",
        "p99 ms",
        "DB CPU ms/req",
        "peak RSS MiB",
    )
    approximate = False
    for database in dict.fromkeys(r.database for r in rows):
        lines = []
        for row in (r for r in rows if r.database == database):
            cpu = f"{row.cpu_ms_per_request:.2f}"
            if row.cpu_ticks < FEW_TICKS:
                cpu, approximate = "~" + cpu, True
            lines.append(
                (
                    row.workload if row.target == "gateway" else "",
                    row.target,
                    cpu,
                    _num(row.cpu_ratio, 1, "x"),
                    _num(row.rps_ratio, 3, "x"),
                    f"{row.requests_per_s:.0f}",
                    f"{row.p50_ms:.2f}",
                    f"{row.p99_ms:.2f}",
                    _num(row.db_cpu_ms_per_request, 2),
                    f"{row.peak_rss_mib:.0f}",
                )
            )
        widths = [max(len(x) for x in column) for column in zip(headers, *lines, strict=False)]
        counts = []
        if settings.get("workloads", "writes") != "reads":
            counts.append(f"{settings['requests']} requests per write workload and target")
        if "read_requests" in settings and database == "postgresql":
            counts.append(f"{settings['read_requests']} per read workload and target")
        print(
            f"\n{database}: {', '.join(counts)}, "
            f"{settings['rounds']} interleaved rounds, gateway at "
            f"{settings['code'] or 'unknown version'}, log level {settings['gateway_log_level']}"
        )
        for line in (headers, *lines):
            print(
                "  ".join(
                    cell.ljust(w) if i < 2 else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(line, widths, strict=True))
                )
            )
    if approximate:
        print(
            f"\n~ fewer than {FEW_TICKS} clock ticks (1 tick = {1000 / CLK_TCK:.0f} ms of CPU) "
            "measured: approximate; more --requests make it finer."
        )
    print(
        "CPU ms/req: server process (utime+stime) per request. DB CPU: PostgreSQL backends "
        "serving the target (SQLite runs inside the server process)."
    )
    if pushes:
        print("\npushes (addBooking c=32)    peak RSS MiB before -> after   req/s   CPU ms/req")
        for p in pushes:
            print(
                f"{p.database:<10} {p.target:<7} {p.pushes:>7}   "
                f"{p.peak_rss_before_mib:8.0f} -> {p.peak_rss_after_mib:<8.0f}"
                f"   {p.requests_per_s:6.0f}   {p.cpu_ms_per_request:8.2f}"
            )


def code_version() -> str | None:
    """The commit of the checkout measured, and whether it has uncommitted changes."""
    git = ["git", "-C", str(PROJECT_ROOT)]
    try:
        commit = subprocess.run(  # noqa: S603
            [*git, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(  # noqa: S603
            [*git, "status", "--porcelain", "--", "booking_gateway"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit} + uncommitted changes" if changes else commit


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument(
        "--workloads",
        choices=("writes", "reads", "all"),
        default="writes",
        help="writes: the dealer import (default); reads: timeslots, a bookings page on a small "
        "and a big tenant, a change feed page (PostgreSQL only); all: both",
    )
    parser.add_argument(
        "--read-requests",
        type=int,
        default=300,
        help="measured requests per read workload and target, split over the rounds",
    )
    parser.add_argument(
        "--small-bookings", type=int, default=1000, help="bookings of the small tenant"
    )
    parser.add_argument(
        "--big-bookings", type=int, default=500_000, help="bookings of the big tenant"
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=600,
        help="measured requests per workload and target, split over the rounds (default 600)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default 2)")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up bookings per target")
    parser.add_argument(
        "--pushes", type=int, default=0, help="then push N addBookings, report peak RSS"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="server for the temporary bench_<random> database (must be on 127.0.0.1)",
    )
    parser.add_argument(
        "--gateway-log-level",
        default="INFO",
        help="BOOKING_GATEWAY_LOG_LEVEL of the gateway (default INFO, as deployed)",
    )
    args = parser.parse_args(argv)
    for name in ("requests", "rounds", "warmup", "read_requests"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.small_bookings < 50 or args.big_bookings < 50:
        parser.error("--small-bookings and --big-bookings must be at least 50 (one page)")
    if args.rounds < 2:
        progress("note: fewer than 2 rounds means gateway and raw are not interleaved")
    if args.requests < args.rounds or args.pushes < 0:
        parser.error("--requests must be at least --rounds, --pushes not negative")
    args.requests -= args.requests % args.rounds
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    databases = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    if args.workloads == "reads":
        if args.database == "sqlite":
            parser.error("the read workloads run on PostgreSQL only")
        databases = ["postgresql"]
    elif args.workloads == "all" and "sqlite" in databases:
        progress("note: the read workloads run on PostgreSQL only")
    settings: dict[str, Any] = {
        "requests": args.requests,
        "rounds": args.rounds,
        "warmup": args.warmup,
        "pushes": args.pushes,
        "gateway_log_level": args.gateway_log_level,
        "workloads": args.workloads,
        "code": code_version(),
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    if args.workloads != "writes":
        settings |= {
            "read_requests": args.read_requests,
            "small_bookings": args.small_bookings,
            "big_bookings": args.big_bookings,
        }
    rows: list[Row] = []
    pushes: list[PushReport] = []
    extra: dict[str, Any] = {}
    try:
        for kind in databases:
            more_rows, more_pushes = run_database(kind, args, extra)
            rows += more_rows
            pushes += more_pushes
    except BenchError as exc:
        if rows:
            print_table(rows, pushes, settings)  # what finished before the failure
        print(f"\nbench.load FAILED (no JSON written): {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nbench.load interrupted; everything it started is stopped", file=sys.stderr)
        return 130
    settings["load_average_after"] = os.getloadavg()
    print_table(rows, pushes, settings)
    checks: list[dict[str, Any]] = []
    if args.workloads != "writes":
        from bench import load_reads

        checks = load_reads.targets(rows)
        load_reads.print_targets(checks)
        print(f"read set-up (untimed), seconds: {extra.get('read_setup_seconds')}")
        fewer = {
            r.workload: r.requests
            for r in rows
            if r.workload in {w.name for w in load_reads.READ_WORKLOADS}
            and r.requests < args.read_requests
        }
        if fewer:
            print(
                f"fewer requests (slow in the warm-up, {load_reads.PHASE_BUDGET_S:.0f} s a "
                f"phase at most): {fewer}"
            )
    if args.json:
        document = {
            "settings": settings,
            "results": [asdict(r) for r in rows],
            "pushes": [asdict(p) for p in pushes],
            "read_targets": checks,
            **extra,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    # Run as bench.load, not __main__: the load process unpickles these classes by module name.
    from bench import load

    sys.exit(load.main())

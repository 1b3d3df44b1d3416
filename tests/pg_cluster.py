"""A private, throw-away PostgreSQL cluster for tests that must kill backends or exhaust pools.

``private_cluster()`` runs ``initdb`` and ``pg_ctl`` of the newest PostgreSQL installed under
``/usr/lib/postgresql/<version>/bin`` on a free port of 127.0.0.1 (trust authentication, the
unix socket in the cluster's own temporary directory, no fsync), and on exit stops it
(``pg_ctl stop -m immediate``) and deletes the directory. When the tests run as root, the
cluster runs as the ``postgres`` OS user. A shared server on the default port is never touched.
Callers skip their tests when ``find_bin_dir()`` finds no ``initdb``.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

INSTALL_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
START_TIMEOUT_SECONDS = 30
COMMAND_TIMEOUT_SECONDS = 60
SERVER_SETTINGS = (
    # Speed only: the tests never crash the server itself, so nothing is lost without fsync.
    "fsync=off",
    "full_page_writes=off",
    "max_connections=60",
    "shared_buffers=32MB",
    "log_min_messages=warning",
)


def find_bin_dir() -> Path | None:
    """The bin directory of the highest PostgreSQL version installed, if it has initdb."""
    if not INSTALL_ROOT.is_dir():
        return None

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.name))

    candidates = [
        entry / "bin"
        for entry in INSTALL_ROOT.iterdir()
        if re.fullmatch(r"\d+(\.\d+)?", entry.name) and (entry / "bin" / "initdb").is_file()
    ]
    return max(candidates, key=lambda path: version(path.parent), default=None)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ClusterError(RuntimeError):
    """initdb or pg_ctl failed; the message carries their output."""


@dataclass(frozen=True)
class PgCluster:
    bin_dir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def run(self, program: str, *args: str) -> str:
        """Run one of the cluster's programs (as its OS user) and return its output."""
        command: Sequence[str] = [str(self.bin_dir / program), *args]
        if self.run_as is not None:
            if shutil.which("runuser"):
                command = ["runuser", "-u", self.run_as, "--", *command]
            else:
                command = ["su", self.run_as, "-s", "/bin/sh", "-c", shlex.join(command)]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            cwd=self.root,
            check=False,
        )
        if done.returncode != 0:
            raise ClusterError(
                f"{program} {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}\n{self.log_tail()}"
            )
        return done.stdout

    def init(self) -> None:
        self.run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )

    def start(self) -> None:
        options = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.socket_dir}",
            *(f"-c {setting}" for setting in SERVER_SETTINGS),
        ]
        self.run(
            "pg_ctl",
            "start",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "-o",
            " ".join(options),
        )

    def stop(self) -> None:
        self.run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w")


def _owned_temp_dir(owner: str | None) -> Path:
    """A new temporary directory (with a ``socket`` directory inside) owned by ``owner``."""
    root = Path(tempfile.mkdtemp(prefix="booking-gateway-pg-"))
    (root / "socket").mkdir(mode=0o700)
    if owner is not None:
        account = pwd.getpwnam(owner)
        for path in (root, root / "socket"):
            os.chown(path, account.pw_uid, account.pw_gid)
    return root


@contextmanager
def private_cluster(bin_dir: Path, *, attempts: int = 3) -> Iterator[PgCluster]:
    """A running private cluster, stopped and deleted on exit."""
    run_as = SUPERUSER if os.geteuid() == 0 else None
    if run_as is not None:
        try:
            pwd.getpwnam(run_as)
        except KeyError:
            raise ClusterError(f"running as root and there is no {run_as!r} OS user") from None
    root = _owned_temp_dir(run_as)
    cluster: PgCluster | None = None
    try:
        for attempt in range(attempts):
            # Another process may take the port between the probe and the start: try again.
            cluster = PgCluster(bin_dir=bin_dir, root=root, port=free_port(), run_as=run_as)
            if attempt == 0:
                cluster.init()
            try:
                cluster.start()
                break
            except ClusterError:
                if attempt == attempts - 1:
                    raise
        assert cluster is not None
        try:
            yield cluster
        finally:
            with suppress(ClusterError, subprocess.TimeoutExpired):
                cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)

"""A real PostgreSQL server for the ledger tests, started and stopped by the tests.

The server comes from Debian's `postgresql` package (`make postgres` installs it): the
binaries are found in `INSIGHT_PG_BINDIR`, else the newest `/usr/lib/postgresql/*/bin`,
else on PATH. It runs on loopback, on a free port, from a temporary folder, as an
unprivileged user (`postgres` when the tests run as root, since PostgreSQL refuses to
run as root). Without the binaries the PostgreSQL tests skip with one line; under
`CI=true` they fail instead.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import on_ci
from server_guard import guarded

SERVICE_USER = "postgres"


def find_bindir() -> Path | None:
    configured = os.environ.get("INSIGHT_PG_BINDIR")
    if configured:
        return Path(configured) if (Path(configured) / "initdb").is_file() else None
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def require_postgres() -> Path:
    found = find_bindir()
    if found is not None:
        return found
    reason = "ledger tests need PostgreSQL: run `make postgres` or set INSIGHT_PG_BINDIR"
    if on_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Server:
    port: int
    bindir: Path

    def admin_url(self) -> str:
        return f"postgresql://ledger@127.0.0.1:{self.port}/postgres"

    def new_database(self, template: str | None = None) -> str:
        """A fresh database, empty or a copy of the database `template` (which nobody
        may be connected to); its URL."""
        import psycopg

        name = f"ledger_{uuid.uuid4().hex[:12]}"
        copied = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.admin_url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{copied}')
        return f"postgresql://ledger@127.0.0.1:{self.port}/{name}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_service_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVICE_USER, "--", *command]


def _shared_temp() -> str:
    """A temporary folder every user can reach (the tests' own scratch folder is the
    running user's alone, and the server runs as another user when the tests are root)."""
    for candidate in ("/dev/shm", "/tmp"):
        if os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return tempfile.gettempdir()


@contextmanager
def running_server(bindir: Path) -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix="insight-pg-", dir=_shared_temp()))
    data, log = folder / "data", folder / "server.log"
    if os.geteuid() == 0:
        shutil.chown(folder, SERVICE_USER)
    port = _free_port()
    run = _as_service_user
    subprocess.run(
        run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "ledger",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-h 127.0.0.1 -p {port} -k {folder} -F -c max_connections=200"
    subprocess.run(
        run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    stop = run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
    cleanup = ["sh", "-c", f"{shlex.join(stop)}; rm -rf {shlex.quote(str(folder))}"]
    try:
        with guarded(cleanup):
            yield Server(port, bindir)
    finally:
        subprocess.run(stop, check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)

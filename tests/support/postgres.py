"""A real PostgreSQL server for the history tests: KAM_TEST_POSTGRES_URL when set, else one started here.

The server is made with the installed PostgreSQL's initdb in a temporary folder and listens on 127.0.0.1 on a
free port (as the `postgres` user when the tests run as root: PostgreSQL refuses to run as root). Without
PostgreSQL the tests that need it are skipped with the reason; in CI (CI or KAM_REQUIRE_POSTGRES set) that is
a failure instead. Each test gets a fresh database on it.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ENV_URL = "KAM_TEST_POSTGRES_URL"
_counter = itertools.count(1)


def required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("KAM_REQUIRE_POSTGRES"))


def unavailable(reason: str):
    if required():
        pytest.fail(f"PostgreSQL is required in CI but {reason} (.ci/run installs it: apt-get install postgresql)")
    pytest.skip(f"no PostgreSQL server for the history tests: {reason} (set {ENV_URL} or apt-get install postgresql)")


def bin_dir() -> Path | None:
    """The folder of the installed PostgreSQL's server programs (the newest version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        unavailable("the tests run as root and runuser is missing")
    return [runuser, "-u", "postgres", "--", *command]


class Server:
    """A PostgreSQL server in a temporary folder, for one test session."""

    def __init__(self, binaries: Path):
        self.folder = Path(tempfile.mkdtemp(prefix="kam-pg-"))
        self.data, self.port = self.folder / "data", free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.bin = binaries
        run = subprocess.run(
            _as_postgres(
                [str(binaries / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
            ),
            capture_output=True,
            text=True,
        )
        if run.returncode:
            unavailable(f"initdb failed: {run.stderr.strip()[-300:]}")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        run = subprocess.run(
            _as_postgres(
                [
                    str(binaries / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-l",
                    str(self.folder / "log"),
                    "-w",
                    "start",
                ]  # fmt: skip
            ),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if run.returncode:
            log = (self.folder / "log").read_text(errors="replace")[-400:] if (self.folder / "log").exists() else ""
            unavailable(f"the server did not start: {run.stderr.strip()[-300:]} {log}")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a PostgreSQL server's maintenance database (skipped, or failed in CI, without one)."""
    if os.environ.get(ENV_URL):
        yield os.environ[ENV_URL]
        return
    binaries = bin_dir()
    if binaries is None:
        unavailable("PostgreSQL is not installed")
    server = Server(binaries)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", server.port)) == 0:
                    break
            time.sleep(0.2)
        yield server.url
    finally:
        server.stop()


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server; its URL."""
    import sqlalchemy as sa

    name = f"kam_test_{os.getpid()}_{next(_counter)}"
    engine = sa.create_engine(
        server_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh history database: an SQLite file, then a database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite")
    return fresh_database(request.getfixturevalue("postgres_server"))

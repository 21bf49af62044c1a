"""A throwaway PostgreSQL server on loopback, in a temporary directory, for tests and benchmarks.

Binaries: the `pgserver` wheel's (a dev dependency: PostgreSQL 16 with the pgvector extension, so the
`MEMORY_STORE=pgvector` path runs for real), else the machine's `/usr/lib/postgresql/*/bin` (no pgvector there
on Debian 12; tests that need it skip with that reason). Nothing is downloaded, no system service is touched:
`initdb` into a temp dir, `pg_ctl start` on a free port of 127.0.0.1 with trust authentication, and
`pg_ctl stop` + removal afterwards.

PostgreSQL refuses to run as root (CI and this machine run everything as root). As root, the server runs as
`nobody` (subprocess's `user=`/`group=`), from a copy of the binaries in the temp dir (the checkout's own
directories may not be traversable by `nobody`).
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUPERUSER = "postgres"


@dataclass(frozen=True, slots=True)
class PostgresServer:
    host: str
    port: int
    has_pgvector: bool
    """The binaries carry the pgvector extension (`MEMORY_STORE=pgvector` needs it)."""
    log_path: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"


def find_install() -> Path | None:
    """The directory holding `bin/postgres`: pgserver's bundled build first (it has pgvector)."""
    spec = importlib.util.find_spec("pgserver")  # located, not imported: importing it has side effects
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "pginstall"
        if (bundled / "bin" / "postgres").exists():
            return bundled
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), reverse=True):
        return Path(candidate).parent.parent
    return None


def _has_pgvector(install: Path) -> bool:
    return any(install.rglob("vector.control"))


def _runs(install: Path, run_as: dict[str, Any]) -> bool:
    try:
        done = subprocess.run(
            [str(install / "bin" / "postgres"), "--version"], capture_output=True, cwd="/", **run_as
        )
    except OSError:
        return False
    return done.returncode == 0


def _copy_install(install: Path, root: Path) -> Path:
    """Copy the binaries into `root` (for `nobody`), with the libraries a wheel keeps beside its package."""
    if install.parent.name == "pgserver":  # the wheel's binaries find libpq in site-packages/pgserver.libs
        site = root / "site"
        shutil.copytree(install, site / "pgserver" / "pginstall", symlinks=True)
        libs = install.parent.parent / "pgserver.libs"
        if libs.is_dir():
            shutil.copytree(libs, site / "pgserver.libs", symlinks=True)
        return site / "pgserver" / "pginstall"
    return Path(shutil.copytree(install, root / "install", symlinks=True))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def postgres_server(install: Path | None = None) -> Iterator[PostgresServer]:
    """Start a fresh server; stop it and delete every file on exit."""
    install = install or find_install()
    if install is None:
        raise RuntimeError("no PostgreSQL binaries: install the dev extras (pgserver) or postgresql")
    root = Path(tempfile.mkdtemp(prefix="memorybot-pg-"))
    run_as: dict[str, Any] = {}
    try:
        if os.geteuid() == 0:
            run_as = {"user": "nobody", "group": "nogroup", "extra_groups": []}
            if not _runs(install, run_as):
                install = _copy_install(install, root)
            for path in (root, *root.rglob("*")):
                os.lchown(path, 65534, 65534)
        data, log_path = root / "data", root / "server.log"
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
        subprocess.run(
            [str(install / "bin" / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
             "-E", "UTF8", "--no-sync", "--no-instructions"],
            check=True, capture_output=True, env=env, cwd=root, **run_as,
        )  # fmt: skip
        port = _free_port()
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB"
        )
        subprocess.run(
            [str(install / "bin" / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log_path),
             "-w", "-t", "60", "start"],
            check=True, capture_output=True, env=env, cwd=root, **run_as,
        )  # fmt: skip
        try:
            yield PostgresServer("127.0.0.1", port, _has_pgvector(install), log_path)
        finally:
            subprocess.run(
                [str(install / "bin" / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True, env=env, cwd=root, **run_as,
            )  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)

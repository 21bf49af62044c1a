"""What `memorybot status` reads of the shared state: the update queue and, on PostgreSQL, the live workers.

Read-only and quick on purpose: an operator (or a probe) runs it beside the bot, so it never migrates the
schema, claims a job or opens a presence session of its own, and it never touches the vector store.

How a worker is seen: `memorybot run` names every PostgreSQL session of its process `worker_app_name()`
(libpq's `PGAPPNAME`), so `pg_stat_activity` shows which sessions belong to which process, and on which host.
The update queue's claims name a session (`state.pg_queue`), so a worker's claimed jobs are those whose
session is one of its own. A worker killed with SIGKILL drops its sessions, and with them its row here.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

WORKER_APP_PREFIX = "memorybot-worker "
APP_NAME_MAX = 63
"""PostgreSQL truncates `application_name` to this many bytes (NAMEDATALEN - 1)."""


class StatusUnavailable(Exception):
    """The database at DATABASE_URL did not answer; the message says what to check (never the password)."""


@dataclass(frozen=True, slots=True)
class QueueStatus:
    pending: int
    parked: int
    oldest_pending_s: float | None
    """Age of the oldest update still waiting to be applied; None when none waits."""


@dataclass(frozen=True, slots=True)
class Worker:
    """One `memorybot run` process with sessions on the database."""

    pid: int | None
    """The process id on its host (None when the name was cut short)."""
    host: str
    started: datetime | None
    """When its oldest open session began (about when the worker started); None when PostgreSQL hides it
    (a session of another database user, seen without `pg_read_all_stats`)."""
    connections: int
    claimed: int
    """Updates it has claimed and not yet applied."""


def worker_app_name(pid: int | None = None, host: str | None = None) -> str:
    """The `application_name` of a worker's sessions: `memorybot-worker <pid>@<host>`, cut to fit."""
    name = f"{WORKER_APP_PREFIX}{pid or os.getpid()}@{host or socket.gethostname()}"
    return name.encode()[:APP_NAME_MAX].decode(errors="ignore")


def _parse_app_name(name: str) -> tuple[int | None, str]:
    pid, _, host = name.removeprefix(WORKER_APP_PREFIX).partition("@")
    return (int(pid) if pid.isdigit() else None), host


def database_target(url: str) -> dict[str, Any]:
    """Where DATABASE_URL points, fit to show: host, port, database and user, never the password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # a malformed URL: psycopg's message may quote it, password included
        return {"host": None, "port": None, "dbname": None, "user": None}
    return {key: parts.get(key) for key in ("host", "port", "dbname", "user")}


def embedded_queue(data_dir: Path) -> QueueStatus:
    """The embedded queue in `data_dir` (all zero when no update was ever queued there)."""
    path = data_dir / "updates.db"
    if not path.exists():
        return QueueStatus(0, 0, None)
    # A plain connection that only reads: the running bot holds the file in WAL mode, where readers never
    # wait for it, and a read-only URI would fail on a WAL file whose `-shm` is not there yet.
    conn = sqlite3.connect(path, timeout=5.0)
    try:
        row = conn.execute(
            "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'parked'), "
            "MIN(created_at) FILTER (WHERE status = 'pending') FROM jobs"
        ).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return QueueStatus(0, 0, None)
        raise
    finally:
        conn.close()
    pending, parked, oldest = row if row else (0, 0, None)
    age = max(0.0, time.time() - float(oldest)) if oldest is not None else None
    return QueueStatus(int(pending or 0), int(parked or 0), age)


def postgres_status(url: str, *, timeout_s: float = 5.0) -> tuple[QueueStatus, list[Worker], int | None]:
    """The shared queue, the live workers and the schema version (None before any worker migrated it).

    Raises:
        StatusUnavailable: the database cannot be reached or read.
    """
    import psycopg

    try:
        with psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=max(1, round(timeout_s)),
            application_name="memorybot-status",
        ) as conn:
            return _read(conn)
    except psycopg.OperationalError as exc:
        raise StatusUnavailable(
            f"DATABASE_URL: the PostgreSQL database at {_where(url)} does not answer ({_first_line(exc)}). "
            "Check that the server runs and accepts this user."
        ) from None
    except psycopg.Error as exc:
        raise StatusUnavailable(
            f"DATABASE_URL: the PostgreSQL database at {_where(url)} cannot be read ({type(exc).__name__}: "
            f"{_first_line(exc)}). Check that this user may read the mb_* tables and pg_stat_activity."
        ) from None


def _where(url: str) -> str:
    target = database_target(url)
    return f"{target['host'] or 'localhost'}:{target['port'] or 5432}/{target['dbname'] or ''}"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def _read(conn: Any) -> tuple[QueueStatus, list[Worker], int | None]:
    has_schema, has_jobs = conn.execute(
        "SELECT to_regclass('mb_schema') IS NOT NULL, to_regclass('mb_update_jobs') IS NOT NULL"
    ).fetchone()
    version = None
    if has_schema:
        version = int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM mb_schema").fetchone()[0])
    queue = QueueStatus(0, 0, None)
    if has_jobs:
        row = conn.execute(
            "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'parked'), "
            "EXTRACT(EPOCH FROM now() - MIN(created_at) FILTER (WHERE status = 'pending')) "
            "FROM mb_update_jobs"
        ).fetchone()
        queue = QueueStatus(int(row[0]), int(row[1]), None if row[2] is None else max(0.0, float(row[2])))
    claims = (
        "(SELECT COUNT(*) FROM mb_update_jobs j WHERE j.status = 'pending' "
        "AND j.claim_pid = a.pid AND j.claim_started = a.backend_start)"
        if has_jobs
        else "0"
    )
    rows = conn.execute(
        f"SELECT a.application_name, MIN(a.backend_start), COUNT(*), SUM({claims}) "
        "FROM pg_stat_activity a WHERE a.datname = current_database() AND a.application_name LIKE %s "
        "GROUP BY a.application_name ORDER BY MIN(a.backend_start)",
        (WORKER_APP_PREFIX + "%",),
    ).fetchall()
    workers = []
    for name, started, connections, claimed in rows:
        pid, host = _parse_app_name(name)
        workers.append(Worker(pid, host, started, int(connections), int(claimed or 0)))
    return queue, workers, version

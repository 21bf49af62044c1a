"""What several workers must share: the update queue (with its erasure records), per-user locks, the
confirmation secret, the Slack retry guard and thread cache, word of an erasure to every worker, and what
people and operators change — memory controls, the corrections ledger, the audit trail — with the turn to
run a periodic sweep.

Each has one small interface and two implementations: embedded (SQLite / in process, one process per data
directory — the default) and PostgreSQL (`DATABASE_URL`), where every worker of a deployment sees the same
state. `open_shared_state` picks by the settings; nothing above this package knows which it got.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from state.audit import AuditTrail, FileAuditTrail
from state.controls import ControlStore, SqliteControlStore
from state.corrections import CorrectionStore, SqliteCorrectionStore
from state.erasures import ErasureFeed
from state.locks import AdvisoryUserLocks, LocalUserLocks, UserLocks
from state.queue import Job, ParkedJob, UpdateQueue
from state.recent import RecentKeysFactory, local_recent_keys
from state.sweeps import LocalSweepGate, SweepGate

__all__ = [
    "DamagedFile",
    "Job",
    "ParkedJob",
    "SharedState",
    "StateUnavailable",
    "UpdateQueue",
    "UserLocks",
    "open_audit_trail",
    "open_queue",
    "open_shared_state",
]


class StateUnavailable(Exception):
    """The database at DATABASE_URL cannot be reached or prepared; the message says what to check."""


class DamagedFile(Exception):
    """An embedded state file is not a database any more; `lost` says what starting afresh gives up."""

    def __init__(self, path: Path, error: str, lost: str) -> None:
        super().__init__(f"{path} is damaged ({error})")
        self.path, self.error, self.lost = path, error, lost


@dataclass
class SharedState:
    queue: UpdateQueue
    locks: UserLocks
    secret: bytes
    """Signs forget-all confirmations (the same on every worker)."""
    recent_keys: RecentKeysFactory
    """Bounded, expiring sets of keys (Slack's retry guard and thread cache)."""
    controls: ControlStore
    """Pause, links, link codes, retention, admin switches (closed by the service that uses them)."""
    corrections: CorrectionStore
    audit: AuditTrail
    sweeps: SweepGate
    """Whose turn it is to run a periodic sweep (retention)."""
    database_url: str | None = None
    erasures: ErasureFeed | None = None
    """Erasures announced by other workers (None embedded: one process drops its own)."""
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def aclose(self) -> None:
        """Everything (when no service took the parts over: a start-up that failed half-way)."""
        self.queue.close()
        self.controls.close()
        self.corrections.close()
        self.audit.close()
        await self.aclose_connections()

    async def aclose_connections(self) -> None:
        """Everything but the queue (which `ChatService.aclose` closes)."""
        for close in self._closers:
            await close()
        self._closers.clear()


def open_queue(data_dir: Path, database_url: str | None) -> UpdateQueue:
    """The update queue alone (the `memorybot queue` commands). Raises `StateUnavailable`."""
    if database_url:
        import psycopg

        from state.pg_queue import PostgresUpdateQueue
        from state.postgres import migrate

        try:
            migrate(database_url)
            return PostgresUpdateQueue(database_url)
        except psycopg.Error as exc:
            raise _unavailable(exc) from None
    from state.sqlite_queue import SqliteUpdateQueue

    return SqliteUpdateQueue(data_dir / "updates.db")


async def open_shared_state(
    data_dir: Path, database_url: str | None, *, configured_secret: str | None = None
) -> SharedState:
    """Embedded state in `data_dir`, or the deployment's state in PostgreSQL (schema migrated first).

    Raises:
        StateUnavailable: the database cannot be reached or prepared.
    """
    from state.secrets import file_secret

    if not database_url:
        secret = configured_secret.encode() if configured_secret else file_secret(data_dir)
        queue = _open_file(data_dir / "updates.db", lambda p: open_queue(data_dir, None), _QUEUE_LOST)
        try:
            controls = _open_file(data_dir / "controls.db", SqliteControlStore, _CONTROLS_LOST)
            corrections = _open_file(data_dir / "corrections.db", SqliteCorrectionStore, _CORRECTIONS_LOST)
        except BaseException:
            queue.close()
            raise
        return SharedState(
            queue,
            LocalUserLocks(),
            secret,
            local_recent_keys,
            controls,
            corrections,
            FileAuditTrail(data_dir),
            LocalSweepGate(),
        )

    import psycopg

    try:
        return await _open_postgres(data_dir, database_url, configured_secret)
    except psycopg.Error as exc:
        raise _unavailable(exc) from None


_QUEUE_LOST = "a fresh queue is created (memory updates still waiting in the damaged file are not applied)"
_CONTROLS_LOST = (
    "a fresh one is created (the pauses, linked accounts, retention choices and admin switches in it are "
    "lost)"
)
_CORRECTIONS_LOST = "a fresh one is created (the counts of tag corrections in it are lost)"

T = TypeVar("T")


def _open_file(path: Path, opener: Callable[[Path], T], lost: str) -> T:
    import sqlite3

    try:
        return opener(path)
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise
        raise DamagedFile(path, str(exc), lost) from None


def open_audit_trail(data_dir: Path, database_url: str | None) -> AuditTrail:
    """The audit trail alone (`memorybot audit`): the data directory's file, or the deployment's table.
    Raises `StateUnavailable`; close it after use."""
    if not database_url:
        return FileAuditTrail(data_dir)
    import psycopg

    from state.audit import PostgresAuditTrail
    from state.postgres import migrate, state_pool

    try:
        migrate(database_url)
        pool = state_pool(database_url, max_size=1)
    except psycopg.Error as exc:
        raise _unavailable(exc) from None
    return PostgresAuditTrail(pool, owns_pool=True)


def _unavailable(exc: Exception) -> StateUnavailable:
    return StateUnavailable(
        f"DATABASE_URL: cannot use the PostgreSQL database ({type(exc).__name__}: {str(exc).strip()}). "
        "Check that the server runs and accepts this user, or unset DATABASE_URL for a single process."
    )


async def _open_postgres(data_dir: Path, database_url: str, configured_secret: str | None) -> SharedState:
    import asyncio

    from state.audit import PostgresAuditTrail
    from state.corrections import PostgresCorrectionStore
    from state.pg_controls import PostgresControlStore
    from state.postgres import state_pool
    from state.recent import PostgresRecentKeys
    from state.secrets import database_secret
    from state.sweeps import PostgresSweepGate

    queue = await asyncio.to_thread(open_queue, data_dir, database_url)
    secret = (
        configured_secret.encode()
        if configured_secret
        else await asyncio.to_thread(database_secret, database_url)
    )
    locks = AdvisoryUserLocks(database_url)
    await locks.open()
    recent = PostgresRecentKeys(database_url)
    await recent.open()
    erasures = ErasureFeed(database_url)
    await erasures.open()
    sweeps = PostgresSweepGate(database_url)
    await sweeps.open()
    pool = await asyncio.to_thread(state_pool, database_url)
    corrections = await asyncio.to_thread(PostgresCorrectionStore, pool)

    async def close_pool() -> None:
        await asyncio.to_thread(pool.close)

    closers: list[Callable[[], Awaitable[None]]] = [
        locks.close,
        recent.close,
        erasures.close,
        sweeps.close,
        close_pool,
    ]
    return SharedState(
        queue,
        locks,
        secret,
        recent.factory,
        PostgresControlStore(pool, database_url),
        corrections,
        PostgresAuditTrail(pool),
        sweeps,
        database_url,
        erasures,
        closers,
    )

"""What several workers must share: the update queue (with its erasure records), per-user locks, the
confirmation secret, the Slack retry guard and thread cache, and word of an erasure to every worker.

Each has one small interface and two implementations: embedded (SQLite / in process, one process per data
directory — the default) and PostgreSQL (`DATABASE_URL`), where every worker of a deployment sees the same
state. `open_shared_state` picks by the settings; nothing above this package knows which it got.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from state.erasures import ErasureFeed
from state.locks import AdvisoryUserLocks, LocalUserLocks, UserLocks
from state.queue import Job, ParkedJob, UpdateQueue
from state.recent import RecentKeysFactory, local_recent_keys

__all__ = [
    "Job",
    "ParkedJob",
    "SharedState",
    "StateUnavailable",
    "UpdateQueue",
    "UserLocks",
    "open_queue",
    "open_shared_state",
]


class StateUnavailable(Exception):
    """The database at DATABASE_URL cannot be reached or prepared; the message says what to check."""


@dataclass
class SharedState:
    queue: UpdateQueue
    locks: UserLocks
    secret: bytes
    """Signs forget-all confirmations (the same on every worker)."""
    recent_keys: RecentKeysFactory
    """Bounded, expiring sets of keys (Slack's retry guard and thread cache)."""
    database_url: str | None = None
    erasures: ErasureFeed | None = None
    """Erasures announced by other workers (None embedded: one process drops its own)."""
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def aclose(self) -> None:
        self.queue.close()
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
        return SharedState(open_queue(data_dir, None), LocalUserLocks(), secret, local_recent_keys)

    import psycopg

    try:
        return await _open_postgres(data_dir, database_url, configured_secret)
    except psycopg.Error as exc:
        raise _unavailable(exc) from None


def _unavailable(exc: Exception) -> StateUnavailable:
    return StateUnavailable(
        f"DATABASE_URL: cannot use the PostgreSQL database ({type(exc).__name__}: {str(exc).strip()}). "
        "Check that the server runs and accepts this user, or unset DATABASE_URL for a single process."
    )


async def _open_postgres(data_dir: Path, database_url: str, configured_secret: str | None) -> SharedState:
    import asyncio

    from state.recent import PostgresRecentKeys
    from state.secrets import database_secret

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
    closers: list[Callable[[], Awaitable[None]]] = [locks.close, recent.close, erasures.close]
    return SharedState(queue, locks, secret, recent.factory, database_url, erasures, closers)

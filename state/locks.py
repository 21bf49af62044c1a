"""Per-user serialization of memory writes (supersede, settle, forget): in process, or across workers.

Everything that reads a person's memories to decide what to write holds that person's lock, so two updates
of one person never interleave and a forget-all cannot be overtaken by an update that read the old state.
Other people proceed in parallel.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from psycopg.pq import TransactionStatus
from psycopg_pool import AsyncConnectionPool

from state.postgres import USER_LOCK_SPACE


class UserLocks(Protocol):
    def __call__(self, user_id: str) -> AbstractAsyncContextManager[object]:
        """`async with locks(user_id):` holds that person's lock."""
        ...


class LocalUserLocks:
    """One process: an `asyncio.Lock` per person (FIFO, so a person's jobs run in the order queued)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock_for(self, user_id: str) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[user_id] = lock
        return lock

    def __call__(self, user_id: str) -> AbstractAsyncContextManager[object]:
        return self.lock_for(user_id)


class AdvisoryUserLocks:
    """Several workers: a PostgreSQL session advisory lock per person, behind the in-process lock.

    The in-process lock comes first, so a worker holds at most one connection per person however many of
    their jobs it runs. The advisory lock is keyed `(USER_LOCK_SPACE, hashtext(user_id))`; two people whose
    hashes collide merely take turns. A worker that dies releases its locks with its connection.
    """

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self._local = LocalUserLocks()
        self._pool = AsyncConnectionPool(  # checked on the way out: see `state.postgres.state_pool`
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},
            check=AsyncConnectionPool.check_connection,
            open=False,
        )

    async def open(self) -> None:
        await self._pool.open()

    async def close(self) -> None:
        await self._pool.close()

    def __call__(self, user_id: str) -> AbstractAsyncContextManager[object]:
        return self._hold(user_id)

    @asynccontextmanager
    async def _hold(self, user_id: str) -> AsyncIterator[object]:
        key = (USER_LOCK_SPACE, user_id)
        async with self._local.lock_for(user_id), self._pool.connection() as conn:
            locked = False
            try:
                await conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", key)
                locked = True
                yield conn
                await conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", key)
                locked = False
            finally:
                if locked or conn.info.transaction_status != TransactionStatus.IDLE:
                    # Cancelled while taking or releasing the lock: the session may still hold it, and
                    # must not go back to the pool. Closing the connection is what releases it for sure.
                    await conn.close()

"""Periodic sweeps (retention expiry) that must run once per deployment, not once per worker.

Every worker runs the retention timer, so that the sweep goes on whichever workers are up; before sweeping
it asks for its turn. Embedded there is one process: always its turn. On PostgreSQL the sweep holds a session
advisory lock while it runs (a second worker does not wait: it skips), and `mb_sweeps` records when it last
finished, so a worker whose timer fires soon after another's sweep skips too. A worker that dies mid-sweep
releases the lock with its connection; the next timer anywhere sweeps again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from psycopg_pool import AsyncConnectionPool

from state.postgres import SWEEP_LOCK_SPACE


class SweepGate(Protocol):
    def turn(self, name: str, *, every_s: float | None = None) -> AbstractAsyncContextManager[bool]:
        """`async with gate.turn("retention", every_s=3600) as mine:` — sweep only when `mine`.

        `mine` is False while another worker runs the sweep, or (with `every_s`) when one finished it less
        than `every_s` ago. An operator's explicit sweep passes no `every_s`: it only waits for no one.
        """
        ...


class LocalSweepGate:
    """One process: its sweeps are the deployment's."""

    @asynccontextmanager
    async def turn(self, name: str, *, every_s: float | None = None) -> AsyncIterator[bool]:
        yield True


class PostgresSweepGate:
    def __init__(self, url: str) -> None:
        self._pool = AsyncConnectionPool(url, min_size=0, max_size=1, kwargs={"autocommit": True}, open=False)

    async def open(self) -> None:
        await self._pool.open()

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def turn(self, name: str, *, every_s: float | None = None) -> AsyncIterator[bool]:
        key = (SWEEP_LOCK_SPACE, name)
        async with self._pool.connection() as conn:
            row = await (await conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", key)).fetchone()
            if not (row and row[0]):
                yield False  # another worker is sweeping right now
                return
            try:
                if every_s is not None:
                    cur = await conn.execute(
                        "SELECT 1 FROM mb_sweeps WHERE name = %s "
                        "AND last_at > now() - make_interval(secs => %s)",
                        (name, every_s),
                    )
                    if await cur.fetchone() is not None:
                        yield False  # done by another worker a moment ago
                        return
                yield True
                await conn.execute(
                    "INSERT INTO mb_sweeps (name, last_at) VALUES (%s, now()) "
                    "ON CONFLICT (name) DO UPDATE SET last_at = EXCLUDED.last_at",
                    (name,),
                )
            finally:
                try:
                    await conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", key)
                except BaseException:
                    await conn.close()  # a session that may still hold the lock must not go back to the pool
                    raise

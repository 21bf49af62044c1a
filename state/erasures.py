"""Telling every worker that a person was erased, so each drops what it holds of them in memory.

A forget-all on one worker deletes the shared state (queue, vectors, corrections, link codes) itself; but
every worker also keeps a little of its own — the recent turns of a thread, cached query vectors — that only
it can drop. The queue's `purge_user` announces the erasure (`NOTIFY mb_erasures, '<user id>'`: delivered to
listeners, never stored), and so does a retention sweep for the people whose memories it expired
(`announce`); each worker listens on its own connection and calls back. Embedded there is one process,
which drops its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "mb_erasures"

ErasureListener = Callable[[str], None]
"""Called with the erased person's user id."""


class ErasureFeed:
    """Listens for erasures announced by any worker (PostgreSQL LISTEN/NOTIFY)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._listeners: list[ErasureListener] = []
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def subscribe(self, listener: ErasureListener) -> None:
        self._listeners.append(listener)

    async def announce(self, user_ids: list[str]) -> None:
        """Tell every worker (this one too: it listens as well) to drop what it holds of these people, when
        they were erased by other means than the queue's `purge_user` (a retention sweep)."""
        if not user_ids:
            return
        async with await psycopg.AsyncConnection.connect(self._url, autocommit=True) as conn:
            for user_id in user_ids:
                await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, user_id))

    async def open(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="erasure-feed")
        await asyncio.wait_for(self._ready.wait(), 30)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    async for notice in conn.notifies():
                        for listener in self._listeners:
                            listener(notice.payload)
            except psycopg.Error as exc:  # the database went away: listen again once it is back
                self._ready.set()
                log.warning("erasure feed interrupted", extra={"error": type(exc).__name__})
                await asyncio.sleep(1.0)

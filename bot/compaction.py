"""When the store is compacted: some minutes after a forget, in the background, one compaction at a time.

A forgotten memory is gone from every search at once, but its text stays in the store's files until a
compaction rewrites them. Compacting after every `/forget` would copy the whole store each time; waiting a
few minutes (`MEMORY_COMPACT_DELAY_S`) folds a burst of forgets, and overwritten memories, into one run.
The store keeps a marker on disk, so a restart before the run still compacts.
"""

from __future__ import annotations

import asyncio
import logging

from memory.store import Compactable, MemoryStore

log = logging.getLogger(__name__)

_RETRY_S = 60.0


class Compactor:
    def __init__(self, store: MemoryStore, delay_s: float) -> None:
        """`store` is compacted when it is `Compactable`; a store with no files to rewrite (in memory)
        needs nothing, and every call is then a no-op."""
        self._store: Compactable = store if isinstance(store, Compactable) else _NothingToCompact()
        self._delay_s = delay_s
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        self._compacting = False

    @property
    def scheduled(self) -> bool:
        """A background compaction is waiting for its delay or running."""
        return self._timer is not None and not self._timer.done()

    def start(self) -> None:
        """Schedule the compaction a previous process owed (it stopped before its delay ran out)."""
        self.after_delete()

    def after_delete(self) -> None:
        """Call after anything that deleted or overwrote memories; compacts once the delay has passed."""
        if self.scheduled or not self._store.needs_compaction:
            return
        self._timer = asyncio.create_task(self._later(), name="memory-compaction")

    async def now(self) -> None:
        """Compact at once (forget-all: the user is told their data is gone), after any run in progress.

        A failure (disk full, the store down) is logged and the compaction rescheduled: the memories are
        already deleted from every search, so the caller still reports the deletion.
        """
        async with self._lock:
            try:
                await self._store.compact()
            except Exception as exc:
                log.warning("compaction failed; will retry", extra={"error": type(exc).__name__})
            else:
                return
        self.after_delete()

    async def wait(self) -> None:
        """Until the scheduled compaction, if any, has run (tests, CLI one-shots)."""
        if self._timer is not None:
            await asyncio.shield(self._timer)

    async def aclose(self) -> None:
        """Drop a compaction still waiting for its delay (the marker keeps it owed); let a running one end."""
        timer, self._timer = self._timer, None
        if timer is None or timer.done():
            return
        if self._compacting:
            await asyncio.shield(timer)
            return
        timer.cancel()
        try:
            await timer
        except asyncio.CancelledError:
            pass

    async def _later(self) -> None:
        delay = self._delay_s
        while True:
            await asyncio.sleep(delay)
            async with self._lock:
                if not self._store.needs_compaction:
                    return
                self._compacting = True
                try:
                    await self._store.compact()
                    return
                except Exception as exc:  # the store is down or the child failed: try again later
                    log.warning("background compaction failed", extra={"error": type(exc).__name__})
                finally:
                    self._compacting = False
            delay = max(self._delay_s, _RETRY_S)


class _NothingToCompact:
    needs_compaction = False

    async def compact(self) -> None:
        """Nothing is kept after a delete."""

"""Work that runs after Slack has been answered.

Slack wants every request acknowledged within 3 seconds, and the agent takes longer, so listeners only
acknowledge and hand the real work to a task here. Tracking the tasks lets `stop()` finish what was accepted
and lets tests wait for quiet instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    """A set of fire-and-forget tasks whose failures are logged, never lost."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> None:
        task = asyncio.create_task(self._logged(work, name), name=f"slack:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Return once no accepted work is left (work spawned meanwhile is waited for too)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self, grace_s: float) -> None:
        """Let running work finish for up to `grace_s` seconds, then cancel what is left."""
        try:
            await asyncio.wait_for(self.idle(), grace_s)
        except TimeoutError:
            log.warning("cancelling %d unfinished Slack tasks at shutdown", len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Slack %s failed", name)

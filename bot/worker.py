"""The background update worker: applies queued `MemoryUpdate`s after the replies went out.

The chat service enqueues one update per message (durably, before replying) and this worker applies them,
each under its user's lock, retrying with back-off and parking what keeps failing. It also tracks which
updates of each user are still in flight, so that a user's next message can wait briefly for their own
previous update (`settle`) while nobody else waits.

The queue stores a JSON dict: `MemoryUpdate.model_dump(mode="json")` going in, `model_validate` coming out.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from bot.remember import apply_update
from bot.understanding.operations import Add, Interaction, MemoryUpdate, UpdateSource
from bot.understanding.rules import understand
from memory.store import MemoryStore, MemoryUnavailable
from state.queue import Job, UpdateQueue

__all__ = ["UpdateWorker", "update_from_job"]

log = logging.getLogger(__name__)

_SETTLE_POLL_S = 0.05
QUEUE_RETRY_S = 5.0
"""How soon the worker tries a queue file that failed to read (locked, damaged) again."""

AppliedHook = Callable[[MemoryUpdate], Awaitable[None]]


def update_from_job(job: Job) -> MemoryUpdate:
    """The job's update; a job queued by version 1 (an untyped dict) is read once with the offline rules."""
    try:
        return MemoryUpdate.model_validate(job.payload)
    except ValidationError:
        return _legacy_update(job)


def _legacy_update(job: Job) -> MemoryUpdate:
    payload: dict[str, Any] = job.payload
    text = str(payload.get("text", ""))
    source = payload.get("source") or {}
    tags = [str(t) for t in payload.get("tags") or []]
    interaction = None
    if tags:
        interaction = Interaction(
            subject=text, tags=tuple(tags), title=payload.get("title"), url=payload.get("url")
        )
    return MemoryUpdate(
        key=job.key,
        user_id=job.user_id,
        run_id=payload.get("run_id"),
        source=UpdateSource(
            platform=str(source.get("platform", "console")),
            channel=source.get("channel"),
            thread=source.get("thread"),
            message_link=source.get("message_link"),
        ),
        operations=tuple(op for op in understand(text).operations if isinstance(op, Add)),
        interaction=interaction,
    )


class UpdateWorker:
    def __init__(
        self,
        store: MemoryStore,
        queue: UpdateQueue,
        *,
        after_delete: Callable[[], None] = lambda: None,
        on_applied: AppliedHook | None = None,
    ) -> None:
        self._store = store
        self._queue = queue
        self._after_delete = after_delete
        self._on_applied = on_applied
        self._inflight: set[str] = set()
        # Updates this process queued and has not applied yet, per user: what `settle` waits for. Kept in
        # memory so that a finished update wakes only a cheap check, not a database query per waiting user.
        self._unsettled: defaultdict[str, set[str]] = defaultdict(set)
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._claiming = False

    def start(self) -> None:
        """Start applying; it first replays whatever a previous process left pending."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="memory-updates")

    async def enqueue(self, update: MemoryUpdate, *, received_at: float | None = None) -> bool:
        """Queue an update durably; False when its key was queued before (a retried delivery), or when the
        person erased everything after the message arrived (`received_at`, epoch seconds)."""
        payload = update.model_dump(mode="json")
        if received_at is not None:
            payload["received_at"] = received_at  # read by the queue; MemoryUpdate ignores it
        if await asyncio.to_thread(self._queue.enqueue, update.key, update.user_id, payload):
            self._unsettled[update.user_id].add(update.key)
            self._wake.set()
            return True
        return False

    async def settle(self, user_id: str, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait (at most `timeout`) until this user's queued updates are applied; False on timeout."""

        async def settled() -> None:
            async with self._progress:
                while self._unsettled.get(user_id):
                    await self._progress.wait()
            # With several workers the previous message may have gone to another one: its update is then
            # only in the shared queue, another process's state: no event to wait on, so poll (bounded).
            while await asyncio.to_thread(self._has_due, user_id):  # noqa: ASYNC110
                await asyncio.sleep(_SETTLE_POLL_S)

        try:
            await asyncio.wait_for(settled(), timeout)
        except TimeoutError:
            # Another worker may apply it (several workers): stop waiting for it on every message.
            self._unsettled.pop(user_id, None)
            return False
        return True

    def _has_due(self, user_id: str) -> bool:
        """The queue cannot say (its database is away): nothing to wait for, answer now."""
        try:
            return self._queue.has_due(user_id)
        except Exception:
            return False

    async def drain(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until every due update has been applied (or parked). For CLI one-shots and tests."""

        async def settled() -> None:
            async with self._progress:
                while self._claiming or self._inflight or await asyncio.to_thread(self._has_due_work):
                    self._wake.set()
                    await self._progress.wait()

        await asyncio.wait_for(settled(), timeout)

    def _has_due_work(self) -> bool:
        due_in = self._queue.next_due_in()
        return due_in is not None and due_in == 0.0

    async def aclose(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _apply(self, job: Job) -> None:
        try:
            update = update_from_job(job)
            async with self._store.user_lock(job.user_id):
                if not await asyncio.to_thread(self._queue.is_pending, job.key):
                    return  # purged by a forget-all while it waited
                await apply_update(self._store, update)
            await asyncio.to_thread(self._queue.done, job.key)
            self._after_delete()  # a superseded memory leaves its old text behind
            await self._after_applied(update)
        except Exception as exc:
            down = isinstance(exc, MemoryUnavailable)  # kept until the store is back, never parked
            error = f"{type(exc).__name__}: {exc}"
            try:
                parked = await asyncio.to_thread(self._queue.failed, job.key, error, transient=down)
            except Exception:  # the queue itself is failing: the job stays pending and is retried
                parked = False
            log.warning("memory update failed", extra={"parked": parked, "error": type(exc).__name__})
        finally:
            self._inflight.discard(job.key)
            # Look again at once: with several workers a person's next update, queued by another worker,
            # became claimable only now that this one is done.
            self._wake.set()
            keys = self._unsettled.get(job.user_id)
            if keys is not None:
                keys.discard(job.key)
                if not keys:
                    del self._unsettled[job.user_id]
            async with self._progress:
                self._progress.notify_all()

    async def _after_applied(self, update: MemoryUpdate) -> None:
        """The hook runs once the update is stored and marked done: its failure must not re-run the update."""
        if self._on_applied is None:
            return
        try:
            await self._on_applied(update)
        except Exception as exc:
            log.warning("after-update hook failed", extra={"error": type(exc).__name__})

    async def _run(self) -> None:
        tasks: set[asyncio.Task[None]] = set()
        while not self._closing:
            self._wake.clear()
            self._claiming = True  # `drain`: claimed jobs are not yet in `_inflight`, nor due any more
            try:
                jobs = await asyncio.to_thread(self._queue.due, exclude=set(self._inflight))
            except Exception:  # the queue's file is locked, damaged or gone: say so, keep the bot up
                self._claiming = False
                async with self._progress:
                    self._progress.notify_all()
                log.exception("cannot read the memory update queue; retrying")
                try:  # `drain` (or a new update) wakes it sooner
                    await asyncio.wait_for(self._wake.wait(), QUEUE_RETRY_S)
                except TimeoutError:
                    pass
                continue
            for job in jobs:
                self._inflight.add(job.key)
                task = asyncio.create_task(self._apply(job))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            self._claiming = False
            if not jobs:
                async with self._progress:
                    self._progress.notify_all()
                try:
                    due_in = await asyncio.to_thread(self._queue.next_due_in)
                except Exception:
                    due_in = QUEUE_RETRY_S
                try:
                    await asyncio.wait_for(self._wake.wait(), None if due_in is None else max(due_in, 0.05))
                except TimeoutError:
                    pass

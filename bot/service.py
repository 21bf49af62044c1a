"""The one platform-neutral entry point every adapter calls.

`handle` answers a message: recall the speaker's memories, read shared links, run the tagging agent, and queue
the memory update durably *before* returning, so the reply never waits on the update and a crash loses
nothing.
The memory commands (list, forget, export) live here once for every adapter.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from bot import messages
from bot.agent import TagDeps, TagResult
from bot.compaction import Compactor
from bot.confirm import ConfirmTokens
from bot.identity import session_id_for, user_id_for
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from bot.text import clean_input, is_blank, recall_query
from bot.types import ChatIdentity, IncomingMessage, Reply
from memory.ids import SHORT_ID_CHARS
from memory.mem0_store import Mem0Store
from memory.store import MemoryUnavailable
from memory.types import MemoryPage, MemoryRecord
from state.queue import Job, UpdateQueue
from state.recent import RecentKeysFactory, local_recent_keys

log = logging.getLogger(__name__)

_PREFERENCES_IN_CONTEXT = 20
_SETTLE_TIMEOUT_S = 3.0
_SETTLE_POLL_S = 0.05
_GUIDANCE_TTL_S = 10.0
_FULL_ID_CHARS = 36  # Mem0's ids are UUIDs


class TaggingAgent(Protocol):
    async def run(self, prompt: str, *, deps: TagDeps) -> Any: ...


class LinkSource(Protocol):
    async def read_all(self, text: str) -> tuple[list[Any], list[Any]]: ...


class ChatService:
    def __init__(
        self,
        settings: Settings,
        *,
        store: Mem0Store,
        agent: TaggingAgent,
        queue: UpdateQueue,
        tokens: ConfirmTokens,
        links: LinkSource | None = None,
        similarity: Callable[[str, Sequence[str]], list[float]] | None = None,
        recent_keys: RecentKeysFactory = local_recent_keys,
    ) -> None:
        self.settings = settings
        self.recent_keys = recent_keys
        """Expiring key sets for the adapters (Slack's retry guard, thread cache): shared by every worker
        when the deployment has a database."""
        self.store = store
        self.queue = queue
        self._agent = agent
        self._tokens = tokens
        self._links = links
        self._similarity = similarity
        self._limiter = RateLimiter(settings.rate_limit_per_minute)
        self._slots = asyncio.Semaphore(settings.max_concurrency)
        self._waiting = 0
        self._inflight: set[str] = set()
        # Updates this process queued and has not applied yet, per user: what `_settle` waits for. Kept in
        # memory so that a finished update wakes only a cheap check, not a database query per waiting user.
        self._unsettled: defaultdict[str, set[str]] = defaultdict(set)
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._worker: asyncio.Task[None] | None = None
        self._closing = False
        self._guidance_cache: tuple[float, list[MemoryRecord]] | None = None
        self.compactor = Compactor(store, settings.memory_compact_delay_s)

    @property
    def agent(self) -> TaggingAgent:
        """The tagging agent; tests and benchmarks swap its model with pydantic-ai's `agent.override(...)`."""
        return self._agent

    @property
    def waiting(self) -> int:
        """Messages waiting for a processing slot right now (load indicator; bounded by MAX_PENDING)."""
        return self._waiting

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the update worker; it first replays whatever a previous process left pending."""
        if self._worker is None:
            self._worker = asyncio.create_task(self._run_worker(), name="memory-updates")
            self.compactor.start()

    async def drain(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until every due memory update has been applied (or parked). For CLI one-shots and tests."""

        async def settled() -> None:
            async with self._progress:
                while bool(self._inflight) or await asyncio.to_thread(self._has_due_work):
                    self._wake.set()
                    await self._progress.wait()

        await asyncio.wait_for(settled(), timeout)

    def _has_due_work(self) -> bool:
        due_in = self.queue.next_due_in()
        return due_in is not None and due_in == 0.0

    async def aclose(self) -> None:
        self._closing = True
        self._wake.set()
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        await self.compactor.aclose()
        await self.store.close()
        self.queue.close()

    # ---- chat ----------------------------------------------------------------------------------

    async def handle(self, message: IncomingMessage) -> Reply:
        identity = message.identity
        user_id = user_id_for(identity)
        run_id = session_id_for(identity)
        cleaned = clean_input(message.text, max_chars=self.settings.max_message_chars)
        if is_blank(cleaned.text):
            return Reply(messages.EMPTY_MESSAGE)
        wait = self._limiter.check(user_id)
        if wait:
            return Reply(messages.rate_limited(math.ceil(wait)))
        notices = [messages.truncated(self.settings.max_message_chars)] if cleaned.truncated else []

        await self._settle(user_id)  # before taking a slot: waiting on one's own update must not block others
        if self._waiting >= self.settings.max_pending:
            # Shed load early rather than queue without bound; what the message says is still remembered.
            await self._enqueue(message, user_id, run_id, cleaned.text, None, title=None, url=None)
            return Reply(messages.BUSY)
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            memories, memory_ok = await self._recall(user_id, run_id, cleaned.text)
            if not memory_ok:
                notices.append(messages.MEMORY_UNAVAILABLE)
            links, link_errors = await self._links.read_all(cleaned.text) if self._links else ([], [])
            notices.extend(err.message for err in link_errors)
            deps = TagDeps(
                identity=identity,
                user_id=user_id,
                memories=memories,
                guidance=await self._guidance() if memory_ok else [],
                links=[_link_context(info) for info in links],
                notices=list(notices),
                similarity=self._similarity,
            )
            result = await self._run_agent(cleaned.text, deps)
        finally:
            self._slots.release()

        title = links[0].title if links else None
        url = links[0].url if links else None
        await self._enqueue(message, user_id, run_id, cleaned.text, result, title=title, url=url)
        if result is None:
            return Reply(messages.MODEL_FAILED, notices=notices)
        by_id = {m.id: m.text for m in memories}
        used = [by_id[i] for i in result.memories_used if i in by_id]
        return Reply(result.reply, tags=list(result.tags), memories_used=used, notices=notices)

    async def _guidance(self) -> list[MemoryRecord]:
        """The operator's agent-level guidance, re-read at most every few seconds (it rarely changes)."""
        now = time.monotonic()
        if self._guidance_cache is None or now - self._guidance_cache[0] > _GUIDANCE_TTL_S:
            try:
                self._guidance_cache = (now, await self.store.heuristics())
            except MemoryUnavailable:
                return []
        return list(self._guidance_cache[1])

    async def _settle(self, user_id: str) -> None:
        """Let this user's previous message finish updating memory first (bounded wait).

        Someone who types "I prefer lowercase tags" and pastes a link right after expects the second answer to
        know the first. Only this user waits, only while their own update is in flight, and never for long:
        other users are unaffected and a stuck update never blocks a reply.
        """

        async def settled() -> None:
            async with self._progress:
                while self._unsettled.get(user_id):
                    await self._progress.wait()
            # With several workers the previous message may have gone to another one: its update is then
            # only in the shared queue, another process's state: no event to wait on, so poll (bounded).
            while await asyncio.to_thread(self.queue.has_due, user_id):  # noqa: ASYNC110
                await asyncio.sleep(_SETTLE_POLL_S)

        try:
            await asyncio.wait_for(settled(), _SETTLE_TIMEOUT_S)
        except TimeoutError:
            log.info("answering before the previous memory update landed")
            # With several workers another one may have applied it: stop waiting for it on every message.
            self._unsettled.pop(user_id, None)

    async def _recall(self, user_id: str, run_id: str, text: str) -> tuple[list[MemoryRecord], bool]:
        """Preferences always (they shape every tag), then what is relevant to this message."""
        text = recall_query(text)
        try:
            preferences, relevant, in_session = await asyncio.gather(
                self.store.all(user_id, category="preference"),
                self.store.search(
                    user_id,
                    text,
                    top_k=self.settings.memory_top_k,
                    threshold=self.settings.memory_threshold or None,
                ),
                self.store.search(user_id, text, run_id=run_id, top_k=3),
            )
        except MemoryUnavailable:
            return [], False
        seen: set[str] = set()
        ordered: list[MemoryRecord] = []
        # Oldest preference first so that, should two ever disagree, the newer one is read last and wins.
        for record in [*reversed(preferences[:_PREFERENCES_IN_CONTEXT]), *relevant, *in_session]:
            if record.id not in seen and record.user_id == user_id:
                seen.add(record.id)
                ordered.append(record)
        return ordered, True

    async def _run_agent(self, text: str, deps: TagDeps) -> TagResult | None:
        try:
            run = await asyncio.wait_for(self._agent.run(text, deps=deps), self.settings.bot_model_timeout_s)
        except Exception as exc:  # a model outage must never take the bot down
            log.warning("tagging model failed", extra={"error": type(exc).__name__})
            return None
        output: TagResult = run.output
        return output

    async def _enqueue(
        self,
        message: IncomingMessage,
        user_id: str,
        run_id: str,
        text: str,
        result: TagResult | None,
        *,
        title: str | None,
        url: str | None,
    ) -> None:
        identity = message.identity
        key = f"{identity.platform}:{message.message_id}" if message.message_id else f"local:{uuid.uuid4()}"
        source: dict[str, Any] = {"platform": identity.platform}
        if identity.channel:
            source["channel"] = identity.channel
        if identity.thread:
            source["thread"] = identity.thread
        if message.link:
            source["message_link"] = message.link
        payload = {
            "text": text,
            "run_id": run_id,
            "source": source,
            "tags": list(result.tags) if result else [],
            "reply": result.reply if result else None,
            "title": title,
            "url": url,
            "infer": bool(self.settings.memory_llm),
            "received_at": message.received_at,
        }
        if await asyncio.to_thread(self.queue.enqueue, key, user_id, payload):
            self._unsettled[user_id].add(key)
            self._wake.set()

    # ---- the background update worker ----------------------------------------------------------

    async def _run_worker(self) -> None:
        from bot.remember import apply_update

        tasks: set[asyncio.Task[None]] = set()

        async def apply(job: Job) -> None:
            try:
                async with self.store.user_lock(job.user_id):
                    if not await asyncio.to_thread(self.queue.is_pending, job.key):
                        return  # purged by a forget-all while it waited
                    await apply_update(self.store, job.user_id, job.key, job.payload)
                await asyncio.to_thread(self.queue.done, job.key)
                self.compactor.after_delete()  # a superseded memory leaves its old text behind
            except Exception as exc:
                parked = await asyncio.to_thread(self.queue.failed, job.key, f"{type(exc).__name__}: {exc}")
                log.warning("memory update failed", extra={"parked": parked, "error": type(exc).__name__})
            finally:
                self._inflight.discard(job.key)
                # Look again at once: with several workers a person's next update, queued by another
                # worker, became claimable only now that this one is done.
                self._wake.set()
                keys = self._unsettled.get(job.user_id)
                if keys is not None:
                    keys.discard(job.key)
                    if not keys:
                        del self._unsettled[job.user_id]
                async with self._progress:
                    self._progress.notify_all()

        while not self._closing:
            self._wake.clear()
            jobs = await asyncio.to_thread(self.queue.due, exclude=set(self._inflight))
            for job in jobs:
                self._inflight.add(job.key)
                task = asyncio.create_task(apply(job))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if not jobs:
                async with self._progress:
                    self._progress.notify_all()
                due_in = await asyncio.to_thread(self.queue.next_due_in)
                try:
                    await asyncio.wait_for(self._wake.wait(), None if due_in is None else max(due_in, 0.05))
                except TimeoutError:
                    pass

    # ---- memory commands -----------------------------------------------------------------------

    async def list_memories(
        self, identity: ChatIdentity, *, offset: int = 0, limit: int = 5, query: str | None = None
    ) -> MemoryPage:
        user_id = user_id_for(identity)
        if query and query.strip():
            hits = await self.store.search(user_id, query.strip(), top_k=50)
            return MemoryPage(
                items=hits[offset : offset + limit], total=len(hits), offset=offset, limit=limit
            )
        return await self.store.list(user_id, offset=offset, limit=limit)

    async def forget(self, identity: ChatIdentity, memory_id: str) -> bool:
        """Forget one of the caller's memories, by its id or by the short id listings show.

        False when no memory of the caller's has that id (someone else's id counts as unknown), or when a
        short id is ambiguous.
        """
        user_id = user_id_for(identity)
        async with self.store.user_lock(user_id):
            memory_id = await self._full_id(user_id, memory_id.strip().strip("`"))
            deleted = bool(memory_id) and await self.store.delete(user_id, memory_id)
        if deleted:
            self.compactor.after_delete()
        return deleted

    async def _full_id(self, user_id: str, given: str) -> str:
        """`given`, or the one id of the user's that starts with it when it is a short id."""
        if len(given) < SHORT_ID_CHARS or len(given) >= _FULL_ID_CHARS:
            return given
        matches = [r.id for r in await self.store.all(user_id) if r.id.startswith(given.lower())]
        return matches[0] if len(matches) == 1 else ""

    def forget_all_token(self, identity: ChatIdentity) -> str:
        return self._tokens.issue(user_id_for(identity))

    async def confirm_forget_all(self, identity: ChatIdentity, token: str) -> int | None:
        user_id = user_id_for(identity)
        if not self._tokens.verify(user_id, token):
            return None
        return await self.forget_everything(user_id)

    async def forget_everything(self, user_id: str) -> int:
        """Erase a user completely: queued updates, memories, Mem0 history; then compact the files."""
        async with self.store.user_lock(user_id):
            await asyncio.to_thread(self.queue.purge_user, user_id)
            count = await self.store.delete_all(user_id)
            await self.compactor.now()
        return count

    async def export(self, identity: ChatIdentity) -> str:
        document = await self.store.export(user_id_for(identity))
        return json.dumps(document, ensure_ascii=False, indent=2)

    async def add_guidance(self, text: str) -> MemoryRecord:
        """Operator only (CLI): bot-wide guidance, effective for the next message."""
        record = await self.store.add_heuristic(text)
        self._guidance_cache = None
        return record

    async def remove_guidance(self, memory_id: str) -> bool:
        removed = await self.store.delete_heuristic(memory_id)
        self._guidance_cache = None
        return removed

    def help_text(self) -> str:
        return messages.HELP


def _link_context(info: Any) -> Any:
    from bot.agent import LinkContext

    return LinkContext(url=info.url, title=info.title, text_for_tagging=info.summary_for_tagging())

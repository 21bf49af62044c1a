"""The one platform-neutral entry point every adapter calls.

`handle` answers a message: recall the speaker's memories and fold their typed profile, read shared links,
run the tagging agent with the thread's recent turns, resolve any "forget what I said about …", and queue the
message's `MemoryUpdate` durably *before* returning, so the reply never waits on the update and a crash loses
nothing; `bot.worker` applies it. The memory commands (list, forget, export) and the operator's guidance live
here once for every adapter.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, UserPromptPart

from bot import messages
from bot.agent import TagDeps, TagResult
from bot.compaction import Compactor
from bot.confirm import ConfirmTokens
from bot.context_budget import within_budget
from bot.controls import AuditLog, MemoryControls, MemoryScope, SqliteControlStore
from bot.controls.commands import MemoryControlCommands
from bot.identity import session_id_for, user_id_for
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from bot.slash import command_name, unknown_command_reply
from bot.tagging import Turn
from bot.text import clean_input, is_blank, recall_query
from bot.types import ChatIdentity, IncomingMessage, Reply
from bot.understanding.corrections import CorrectionLedger, Suggestion
from bot.understanding.forgetting import resolve_forgets
from bot.understanding.guidance import parse_guidance
from bot.understanding.operations import (
    Add,
    Forget,
    Interaction,
    MemoryUpdate,
    Operation,
    UpdateSource,
)
from bot.understanding.preferences import Preference
from bot.understanding.records import profile_from
from bot.understanding.render import memory_text
from bot.understanding.rules import understand
from bot.worker import UpdateWorker
from memory.ids import SHORT_ID_CHARS
from memory.store import MemoryStore, MemoryUnavailable
from memory.types import MemoryPage, MemoryRecord
from state.erasures import ErasureFeed
from state.queue import UpdateQueue
from state.recent import RecentKeysFactory, local_recent_keys

log = logging.getLogger(__name__)

_ABOUT_IN_CONTEXT = 50
_SETTLE_TIMEOUT_S = 3.0
_GUIDANCE_TTL_S = 10.0
_FULL_ID_CHARS = 36  # Mem0's ids are UUIDs
THREAD_TURNS = 6
"""Earlier turns of a thread the agent sees (as pydantic-ai message history)."""
THREAD_TOKENS = 1500
"""And at most about this many tokens of them (four characters a token), the newest kept."""
_THREADS_KEPT = 2048


class TaggingAgent(Protocol):
    async def run(
        self, prompt: str, *, deps: TagDeps, message_history: Sequence[ModelMessage] | None = None
    ) -> Any: ...


class LinkSource(Protocol):
    async def read_all(self, text: str) -> tuple[list[Any], list[Any]]: ...


class ChatService(MemoryControlCommands):
    def __init__(
        self,
        settings: Settings,
        *,
        store: MemoryStore,
        agent: TaggingAgent,
        queue: UpdateQueue,
        tokens: ConfirmTokens,
        links: LinkSource | None = None,
        similarity: Callable[[str, Sequence[str]], list[float]] | None = None,
        ledger: CorrectionLedger | None = None,
        guidance_reader: Callable[[str], Awaitable[list[Preference]]] | None = None,
        controls: MemoryControls | None = None,
        recent_keys: RecentKeysFactory = local_recent_keys,
        erasures: ErasureFeed | None = None,
    ) -> None:
        self.settings = settings
        self.erasures = erasures
        """Several workers: how an erasure made here (a retention sweep) reaches every worker's caches."""
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
        self._guidance_cache: tuple[float, list[MemoryRecord]] | None = None
        self.compactor = Compactor(store, settings.memory_compact_delay_s)
        self.ledger = ledger or CorrectionLedger(settings.data_dir / "corrections.db")
        self._guidance_reader = guidance_reader
        self.worker = UpdateWorker(
            store, queue, after_delete=self.compactor.after_delete, on_applied=self._learn_corrections
        )
        # The recent turns of each person in each thread, in this process only: follow-ups refer to them.
        self._threads: OrderedDict[str, deque[Turn]] = OrderedDict()
        self.controls = controls or MemoryControls(
            SqliteControlStore(settings.data_dir / "controls.db"),
            AuditLog(settings.data_dir),
            retention_days=settings.memory_retention_days,
        )

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
        self.worker.start()
        self.compactor.start()
        self.start_retention()

    async def drain(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until every due memory update has been applied (or parked). For CLI one-shots and tests."""
        await self.worker.drain(timeout)

    async def aclose(self) -> None:
        await self.worker.aclose()
        await self.stop_retention()
        await self.compactor.aclose()
        await self.store.close()
        self.queue.close()
        self.ledger.close()
        self.controls.store.close()
        self.controls.audit.close()

    # ---- chat ----------------------------------------------------------------------------------

    async def handle(self, message: IncomingMessage) -> Reply:
        identity = message.identity
        user_id = user_id_for(identity)
        run_id = session_id_for(identity)
        cleaned = clean_input(message.text, max_chars=self.settings.max_message_chars)
        if is_blank(cleaned.text):
            return Reply(messages.EMPTY_MESSAGE)
        if (command := command_name(cleaned.text)) is not None:  # never tagged, never stored
            return Reply(self.help_text() if command == "help" else unknown_command_reply(command))
        wait = self._limiter.check(user_id)
        if wait:
            return Reply(messages.rate_limited(math.ceil(wait)))
        notices = [messages.truncated(self.settings.max_message_chars)] if cleaned.truncated else []
        scope = await self.controls.scope_for(identity)  # paused, switched off here, linked identities

        # Before taking a slot: waiting on one's own update must not block others.
        if not await self.worker.settle(user_id, _SETTLE_TIMEOUT_S):
            log.info("answering before the previous memory update landed")
        if self._waiting >= self.settings.max_pending:
            # Shed load early rather than queue without bound; what the message says is still remembered.
            if scope.write:
                await self._enqueue(
                    message, user_id, run_id, cleaned.text, None, _fallback_operations(cleaned.text)
                )
            return Reply(messages.BUSY, notices=[*notices, *scope.notices])
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            memories, total, memory_ok = await self._recall_in_scope(scope, run_id, cleaned.text)
            if not memory_ok:
                notices.append(messages.MEMORY_UNAVAILABLE)
            links, link_errors = await self._links.read_all(cleaned.text) if self._links else ([], [])
            notices.extend(err.message for err in link_errors)
            guidance = await self._guidance() if memory_ok else []
            thread = list(self._threads.get(_thread_key(user_id, run_id), ())) if scope.read else []
            deps = TagDeps(
                identity=identity,
                user_id=user_id,
                memories=memories,
                guidance=guidance,
                links=[_link_context(info) for info in links],
                notices=list(notices),
                similarity=self._similarity,
                profile=profile_from(guidance, [m for m in memories if m.user_id in scope.readable]),
                thread=thread,
                memory_total=total,
                memory_writable=scope.write,
            )
            result = await self._run_agent(cleaned.text, deps, _history(thread))
        finally:
            self._slots.release()
        notices.extend(scope.notices)  # after the run: the model reads its own notices as "link not read"

        operations: list[Operation] = (
            list(result.operations) if result is not None else _fallback_operations(cleaned.text)
        )
        forget_reply = ""
        if scope.write and any(isinstance(op, Forget) for op in operations):
            operations, forget_reply = await resolve_forgets(self.store, user_id, operations)
        title = links[0].title if links else None
        url = links[0].url if links else None
        # "make them shorter" re-tags the thread's earlier content: the interaction is recorded under that.
        subject = thread[-1].text if result is not None and result.revises_previous and thread else None
        if scope.write:
            await self._enqueue(
                message,
                user_id,
                run_id,
                cleaned.text,
                result,
                operations,
                subject=subject,
                title=title,
                url=url,
            )
        if self.queue.holding:
            notices.append(messages.MEMORY_WAITING)
        if result is None:
            return Reply(messages.MODEL_FAILED, notices=notices)
        if scope.write:  # paused or switched off: not even this process's short-term thread memory
            self._remember_turn(
                _thread_key(user_id, run_id), Turn(cleaned.text, result.reply, tuple(result.tags))
            )
        by_id = {m.id: m.text for m in memories}
        used = [by_id[i] for i in result.memories_used if i in by_id]
        text = "\n".join(part for part in (result.reply, forget_reply) if part)
        return Reply(text, tags=list(result.tags), memories_used=used, notices=notices)

    def _remember_turn(self, key: str, turn: Turn) -> None:
        turns = self._threads.pop(key, None) or deque(maxlen=THREAD_TURNS)
        turns.append(turn)
        self._threads[key] = turns  # most recently used last
        while len(self._threads) > _THREADS_KEPT:
            self._threads.popitem(last=False)

    async def _guidance(self) -> list[MemoryRecord]:
        """The operator's agent-level guidance, re-read at most every few seconds (it rarely changes)."""
        now = time.monotonic()
        if self._guidance_cache is None or now - self._guidance_cache[0] > _GUIDANCE_TTL_S:
            try:
                self._guidance_cache = (now, await self.store.heuristics())
            except MemoryUnavailable:
                return []
        return list(self._guidance_cache[1])

    async def _recall(self, user_id: str, run_id: str, text: str) -> tuple[list[MemoryRecord], int, bool]:
        """Everything the person told us about themselves (it shapes every answer), then what is relevant
        to this message; and how many memories they have in all."""
        text = recall_query(text)
        try:
            everything, relevant, in_session = await asyncio.gather(
                self.store.all(user_id),
                self.store.search(
                    user_id,
                    text,
                    top_k=self.settings.memory_top_k,
                    threshold=self.settings.memory_threshold or None,
                ),
                self.store.search(user_id, text, run_id=run_id, top_k=3),
            )
        except MemoryUnavailable:
            return [], 0, False
        about = [r for r in everything if r.category != "interaction"][:_ABOUT_IN_CONTEXT]
        seen: set[str] = set()
        ordered: list[MemoryRecord] = []
        # Oldest first so that, should two ever disagree, the newer one is read last and wins.
        for record in [*reversed(about), *relevant, *in_session]:
            if record.id not in seen and record.user_id == user_id:
                seen.add(record.id)
                ordered.append(record)
        # What they told us about themselves always stays; the relevant rest fills MEMORY_CONTEXT_TOKENS.
        about_ids = {r.id for r in about}
        budget = self.settings.memory_context_tokens
        return within_budget(ordered, budget, keep=lambda r: r.id in about_ids), len(everything), True

    async def _recall_in_scope(
        self, scope: MemoryScope, run_id: str, text: str
    ) -> tuple[list[MemoryRecord], int, bool]:
        """`_recall` for the speaker and each identity linked with them; nothing at all when not allowed."""
        if not scope.read:
            return [], 0, True
        recalled = await asyncio.gather(*(self._recall(uid, run_id, text) for uid in scope.readable))
        if len(recalled) == 1:
            return recalled[0]
        merged = [r for records, _, _ in recalled for r in records]
        # What they said about themselves, oldest first across identities: the newest is read last and wins.
        epoch = datetime.min.replace(tzinfo=UTC)
        about = sorted(
            (r for r in merged if r.category != "interaction"), key=lambda r: r.created_at or epoch
        )
        others = [r for r in merged if r.category == "interaction"]
        kept = within_budget(
            [*about, *others], self.settings.memory_context_tokens, keep=lambda r: r.category != "interaction"
        )
        return kept, sum(t for _, t, _ in recalled), all(ok for _, _, ok in recalled)

    async def _run_agent(self, text: str, deps: TagDeps, history: list[ModelMessage]) -> TagResult | None:
        try:
            run = await asyncio.wait_for(
                self._agent.run(text, deps=deps, message_history=history or None),
                self.settings.bot_model_timeout_s,
            )
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
        operations: Sequence[Operation],
        *,
        subject: str | None = None,
        title: str | None = None,
        url: str | None = None,
    ) -> None:
        identity = message.identity
        key = f"{identity.platform}:{message.message_id}" if message.message_id else f"local:{uuid.uuid4()}"
        interaction = None
        if result is not None and result.tags:
            interaction = Interaction(subject=subject or text, tags=tuple(result.tags), title=title, url=url)
        infer: tuple[dict[str, str], ...] = ()
        if self.settings.memory_llm:
            infer = ({"role": "user", "content": text},)
            if result is not None:
                infer += ({"role": "assistant", "content": result.reply},)
        update = MemoryUpdate(
            key=key,
            user_id=user_id,
            run_id=run_id,
            source=UpdateSource(
                platform=identity.platform,
                channel=identity.channel,
                thread=identity.thread,
                message_link=message.link,
            ),
            operations=tuple(op for op in operations if not isinstance(op, Forget)),
            interaction=interaction,
            infer_messages=infer,
        )
        if update.operations or update.interaction or update.infer_messages:
            await self.worker.enqueue(update, received_at=message.received_at)

    async def _learn_corrections(self, update: MemoryUpdate) -> None:
        """Count this person's tag corrections towards bot-wide suggestions (reviewed by the operator)."""
        for op in update.operations:
            if isinstance(op, Add) and op.correction:
                suggestion = await asyncio.to_thread(self.ledger.record, update.user_id, op.preference)
                if suggestion is not None:
                    log.info("a correction became a guidance suggestion", extra={"id": suggestion.id})

    # ---- memory commands -----------------------------------------------------------------------

    async def list_memories(
        self, identity: ChatIdentity, *, offset: int = 0, limit: int = 5, query: str | None = None
    ) -> MemoryPage:
        user_id = user_id_for(identity)
        linked = await self.list_linked(
            identity, offset=offset, limit=limit, query=query.strip() if query and query.strip() else None
        )
        if linked is not None:
            return linked
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
        if len(await self.readable_ids(identity)) > 1:  # linked: the memory may belong to another identity
            record = await self.owned_memory(identity, memory_id)
            if record is None:
                return False
            user_id, memory_id = record.user_id, record.id
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

    async def forget_everything(self, user_id: str, *, compact: bool = True) -> int:
        """Erase a user completely: queued updates, memories, Mem0 history; then compact the files (unless
        the caller erases several users and compacts once after the last)."""
        async with self.store.user_lock(user_id):
            await asyncio.to_thread(self.queue.purge_user, user_id)  # on PostgreSQL: tells every worker
            await asyncio.to_thread(self.ledger.purge_user, user_id)
            await asyncio.to_thread(self.controls.store.drop_codes, user_id)  # not their pause: see store
            self._threads = OrderedDict(
                (k, v) for k, v in self._threads.items() if not k.startswith(_thread_key(user_id, ""))
            )
            count = await self.store.delete_all(user_id)
            if compact:
                await self.compactor.now()
        return count

    def forget_cached(self, user_id: str) -> None:
        """A worker (maybe this one) erased this person or expired their memories: drop what this process
        holds of them — their recent thread turns and the cached query vectors (keyed by what people wrote,
        so all of them). What is shared (queue, ledger, controls, vectors) the erasing worker has handled."""
        self._threads = OrderedDict(
            (k, v) for k, v in self._threads.items() if not k.startswith(_thread_key(user_id, ""))
        )
        self.store.forget_cached_queries()

    async def announce_erased(self, user_ids: list[str]) -> None:
        """Memories of these people were erased here outside a forget-all (retention): every worker, this
        one included, drops what it holds of them in memory."""
        if self.erasures is None:
            for user_id in user_ids:
                self.forget_cached(user_id)
            return
        await self.erasures.announce(user_ids)

    async def export(self, identity: ChatIdentity) -> str:
        linked = await self.export_linked(identity)
        if linked is not None:
            return linked
        document = await self.store.export(user_id_for(identity))
        return json.dumps(document, ensure_ascii=False, indent=2)

    async def add_guidance(self, text: str) -> list[MemoryRecord]:
        """Operator only (CLI): bot-wide guidance, effective for the next message.

        The text is read into typed preferences ("Always include a #news tag" -> `tag.always:news`), one
        memory each, by the rules or else by the configured LLM; text the bot cannot apply itself is kept as
        it is, for LLM models to read.
        """
        prefs = parse_guidance(text)
        if not prefs and self._guidance_reader is not None:
            prefs = await self._guidance_reader(text)  # phrasings the rules do not know, read by the LLM
        if prefs:
            records = [
                await self.add_guidance_preference(pref, text=text if len(prefs) == 1 else None)
                for pref in prefs
            ]
        else:
            records = [await self.store.add_heuristic(text)]
        self._guidance_cache = None
        return records

    async def add_guidance_preference(self, pref: Preference, *, text: str | None = None) -> MemoryRecord:
        record = await self.store.add_heuristic(
            text or memory_text(pref), metadata={**pref.metadata(), "pref_source": "guidance"}
        )
        self._guidance_cache = None
        return record

    async def remove_guidance(self, memory_id: str) -> bool:
        removed = await self.store.delete_heuristic(memory_id)
        self._guidance_cache = None
        return removed

    def guidance_suggestions(self) -> list[Suggestion]:
        """Corrections several people made, waiting for the operator's review."""
        return self.ledger.suggestions("pending")

    async def decide_suggestion(self, suggestion_id: str, *, accept: bool) -> Suggestion | None:
        """Accept (it becomes guidance for everyone) or reject a suggestion; None when unknown."""
        decided = await asyncio.to_thread(self.ledger.decide, suggestion_id, accept=accept)
        if decided is not None and accept:
            await self.add_guidance_preference(decided.preference)
        return decided

    def help_text(self) -> str:
        return messages.HELP


def _link_context(info: Any) -> Any:
    from bot.agent import LinkContext

    return LinkContext(url=info.url, title=info.title, text_for_tagging=info.summary_for_tagging())


def _thread_key(user_id: str, run_id: str) -> str:
    """Each person's own turns in a thread: in a shared channel thread, Bob's follow-up is not Alice's."""
    return f"{user_id}\x00{run_id}"


def _history(thread: Sequence[Turn]) -> list[ModelMessage]:
    """The thread's recent turns as pydantic-ai message history, newest kept within the token bound."""
    budget = THREAD_TOKENS * 4
    kept: list[Turn] = []
    for turn in reversed(thread):
        size = len(turn.text) + len(turn.reply) + sum(len(t) for t in turn.tags)
        if kept and size > budget:
            break
        budget -= size
        kept.append(turn)
    history: list[ModelMessage] = []
    for turn in reversed(kept):
        reply = turn.reply + (f"\n(tags: {', '.join(turn.tags)})" if turn.tags else "")
        history.append(ModelRequest(parts=[UserPromptPart(turn.text[: THREAD_TOKENS * 2])]))
        history.append(ModelResponse(parts=[TextPart(reply)]))
    return history


def _fallback_operations(text: str) -> list[Operation]:
    """When no model answered (overload, outage), what the message states is still remembered, by rules."""
    return [op for op in understand(text).operations if not isinstance(op, Forget)]

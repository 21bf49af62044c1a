"""The memory protocols the core depends on, so that it never names a concrete store.

`MemoryStore` is everything the core asks of a store. Every per-person method takes the owner's `user_id`:
scope is part of the signature, so no call can reach memories without naming whose they are, and a store
answers only with that person's memories. Two kinds of store implement it: `memory.mem0_store.Mem0Store`
(Mem0 on Qdrant Edge, a Qdrant server or pgvector: the real one) and `memory.in_memory_store.InMemoryStore`
(a dict, for the core's fast tests); `tests/memory/test_store_contract.py` holds both to the same behaviour.

What only some stores can do is kept apart, so the main protocol stays what every store must do:
`Compactable` (a store whose files keep deleted text until compacted) and `InferringStore` (Mem0's own LLM
extraction). The core asks `isinstance(store, ...)` before using either.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

from memory.types import Category, MemoryPage, MemoryRecord

__all__ = ["Compactable", "InferringStore", "MemoryStore", "MemoryUnavailable"]

# `list` is also a method name of the protocol; annotations inside the classes use these aliases.
Records = list[MemoryRecord]
Messages = list[dict[str, str]]


class MemoryUnavailable(Exception):
    """The embedder or vector store failed; callers answer without memory and retry the update later."""


class MemoryStore(Protocol):
    """A person's long-term memories, and the operator's bot-wide guidance.

    Errors: `ValueError` for a call that can never succeed (no `user_id`, empty text); `MemoryUnavailable`
    when the backend is down, which callers turn into "answering without memory" and a later retry.
    """

    # ---- one person's memories -------------------------------------------------------------------

    def user_lock(self, user_id: str) -> AbstractAsyncContextManager[object]:
        """Held around a person's read-modify-write sequences (supersede, forget, applying an update), so
        that two of them never interleave; other people proceed in parallel. Shared by every worker when the
        deployment has several."""
        ...

    async def search(
        self,
        user_id: str,
        query: str,
        *,
        run_id: str | None = None,
        top_k: int = 10,
        threshold: float | None = None,
    ) -> Records:
        """The person's memories (in one session when `run_id` is given) most relevant to `query`, best
        first, at most `top_k`; nothing for a blank query. `score` ranks them; what it means is the store's
        own (a fused rank, a cosine, a word overlap), so callers compare scores only within one answer."""
        ...

    async def all(self, user_id: str, *, category: Category | None = None) -> Records:
        """Every memory of the person (optionally of one category), newest first: what they told us about
        themselves shapes every answer, and supersede compares against all of it."""
        ...

    async def list(
        self, user_id: str, *, offset: int = 0, limit: int = 10, category: Category | None = None
    ) -> MemoryPage:
        """A page of `all`, newest first, with the total count (what `/memories` shows)."""
        ...

    async def get(self, user_id: str, memory_id: str) -> MemoryRecord | None:
        """None when the id is unknown *or belongs to someone else*: the two are indistinguishable."""
        ...

    async def add(
        self,
        user_id: str,
        text: str,
        *,
        category: Category,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> MemoryRecord:
        """Store one memory of the person. `metadata` is kept as given and comes back on every read: the
        typed preference a memory holds lives there, never parsed back from its text. A `created_at` in
        it (ISO) dates the memory (upgrades keep the original date); otherwise it is dated now."""
        ...

    async def update(self, user_id: str, memory_id: str, text: str) -> MemoryRecord | None:
        """New text for one of the person's memories, its metadata kept; None when it is not theirs."""
        ...

    async def annotate(self, user_id: str | None, memory_id: str, metadata: dict[str, Any]) -> bool:
        """Set metadata keys on one memory of `user_id` (None: operator guidance) without touching its
        text; False when it is not theirs. `category` may be set; the store's own keys may not."""
        ...

    async def delete(self, user_id: str, memory_id: str) -> bool:
        """Forget one of the person's memories, history included; False when it is not theirs."""
        ...

    async def delete_all(self, user_id: str) -> int:
        """Remove every memory of this user and their history rows; returns how many memories went."""
        ...

    async def export(self, user_id: str) -> dict[str, Any]:
        """The person's memories as a JSON-ready document (`/export`): `user_id`, `exported_at`, `count`,
        `memories`."""
        ...

    def forget_cached_queries(self) -> None:
        """Drop whatever the store caches from what people wrote (query vectors): another worker erased a
        person, and nothing derived from their words may outlive the erasure here."""
        ...

    # ---- the operator's ---------------------------------------------------------------------------
    # Guidance is stored without a `user_id`, written only by the operator (CLI), never derived from what a
    # user says: so nothing of one user can reach another through it.

    async def heuristics(self) -> Records:
        """The operator's bot-wide guidance, oldest first."""
        ...

    async def add_heuristic(self, text: str, *, metadata: dict[str, Any] | None = None) -> MemoryRecord:
        """Add one line of guidance (category `heuristic`)."""
        ...

    async def delete_heuristic(self, memory_id: str) -> bool:
        """Remove one line of guidance; False for any other id (a person's memory included)."""
        ...

    async def scan(self) -> Records:
        """Every memory of every person and the guidance, unordered: for retention sweeps and one-time
        upgrades, never on a chat path (it is the one read not scoped to a person)."""
        ...

    async def close(self) -> None:
        """Release files and connections; the store is not used afterwards."""
        ...


@runtime_checkable
class Compactable(Protocol):
    """A store whose files keep deleted text until compacted (Qdrant Edge segments, Mem0's SQLite history,
    PostgreSQL's dead rows). `bot.compaction` schedules `compact` after forgets so that forget means gone
    from the disk too; a store without files to rewrite does not implement this."""

    @property
    def needs_compaction(self) -> bool:
        """Something was deleted or overwritten since the last compaction."""
        ...

    async def compact(self) -> None:
        """Physically drop deleted text (seconds on a big store; searches go on meanwhile)."""
        ...


@runtime_checkable
class InferringStore(MemoryStore, Protocol):
    """A store that can extract memories with an LLM itself (Mem0's `infer=True`, with `MEMORY_LLM`)."""

    @property
    def llm(self) -> Any:
        """The memory LLM (Mem0's `LlmBase`: `generate_response(messages=..., response_format=...)`); the
        supersede judge asks it which older memories a new one replaces."""
        ...

    async def add_inferred(
        self,
        user_id: str,
        messages: Messages,
        *,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Records:
        """The memories the LLM extracted from `messages` and stored for the person, as stored; the caller
        labels them (`annotate`) with what they mean."""
        ...

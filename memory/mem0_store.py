"""How to translate: our `MemoryStore` protocol on top of Mem0.

Writes go through Mem0 (so its history database stays right); reads go to the vector store directly with an
explicit `user_id` filter, which is both faster and the one place where isolation is enforced. Mem0 is
synchronous; each call runs in a worker thread, and writes for one user are serialised with a per-user lock so
that supersede decisions see the user's latest state.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from memory.embedder import PreparedEmbedder
from memory.ids import AGENT_ID
from memory.index_text import index_text
from memory.payload import CORE_KEYS, record_from_payload
from memory.store import Compactable, InferringStore, MemoryUnavailable
from memory.types import Category, MemoryPage, MemoryRecord, NewMemory

log = logging.getLogger(__name__)
T = TypeVar("T")

_LIST_CAP = 100_000
CLOSE_WAIT_S = 60.0
"""How long `close` waits for calls still running in threads (a compaction can take this long)."""
# `list` is also a method name in Mem0Store; annotations inside the class use these aliases.
Records = list[MemoryRecord]
Messages = list[dict[str, str]]
Ids = list[str]
NewMemories = list[NewMemory]


class Mem0Store:
    """`MemoryStore` on a Mem0 `Memory` (see `memory.client.build_mem0`)."""

    def __init__(
        self,
        mem0: Any,
        *,
        embed_query: Callable[[str], list[float]] | None = None,
        user_locks: Callable[[str], AbstractAsyncContextManager[object]] | None = None,
    ) -> None:
        self._mem0 = mem0
        self._store = mem0.vector_store
        if not isinstance(mem0.embedding_model, PreparedEmbedder):
            mem0.embedding_model = PreparedEmbedder(mem0.embedding_model)
        self._embedder: PreparedEmbedder = mem0.embedding_model
        # A static embedder gives a text one vector whichever side asks: a memory whose indexed text was just
        # searched for (or stored) reuses that vector instead of embedding it again.
        self._symmetric = bool(getattr(self._embedder, "symmetric", False))
        self._embed_query_uncached = embed_query or (lambda text: self._embedder.embed(text, "search"))
        self._query_cache: OrderedDict[str, list[float]] = OrderedDict()
        self._query_cache_lock = threading.Lock()
        # qdrant-client's local mode is not thread-safe (IndexError in its payload filters when threads mix
        # writes and reads), so calls into it take turns; Edge and Qdrant servers run calls concurrently.
        self._serial: threading.Lock | None = (
            threading.Lock() if getattr(self._store, "is_local", False) else None
        )
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._user_locks = user_locks
        self._db_lock = asyncio.Lock()
        # Calls run in threads, which cancelling their asyncio task does not stop: `close` waits for the ones
        # in flight, because closing Mem0's SQLite history under a running call crashes the process.
        self._in_flight = 0
        self._idle = threading.Condition()

    @property
    def vector_store(self) -> Any:
        return self._store

    @property
    def llm(self) -> Any:
        """Mem0's memory LLM (an offline stand-in when none is configured)."""
        return self._mem0.llm

    def user_lock(self, user_id: str) -> AbstractAsyncContextManager[object]:
        """Held around a user's read-modify-write sequences (supersede); other users proceed in parallel.

        In process by default; the application injects locks shared by every worker when it has several.
        """
        if self._user_locks is not None:
            return self._user_locks(user_id)
        return self._locks[user_id]

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self._idle:
            self._in_flight += 1
        try:
            if self._serial is None:
                return fn(*args, **kwargs)
            with self._serial:
                return fn(*args, **kwargs)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(self._call, fn, *args, **kwargs)
        except MemoryUnavailable:
            raise
        except (ValueError, KeyError):
            raise
        except Exception as exc:  # the store or embedder is down: callers degrade, never crash
            log.warning("memory backend failed", extra={"error": type(exc).__name__})
            raise MemoryUnavailable(str(exc)) from exc

    # ---- reads ---------------------------------------------------------------------------------

    def _filters(self, user_id: str, run_id: str | None = None) -> dict[str, Any]:
        if not user_id:
            raise ValueError("user_id is required")
        filters: dict[str, Any] = {"user_id": user_id}
        if run_id:
            filters["run_id"] = run_id
        return filters

    def _embed_query(self, text: str) -> list[float]:
        """Query vectors, with a small LRU: one reply searches the same text at user and session level."""
        with self._query_cache_lock:
            if text in self._query_cache:
                self._query_cache.move_to_end(text)
                return self._query_cache[text]
        vector = self._embed_query_uncached(text)
        with self._query_cache_lock:
            self._query_cache[text] = vector
            if len(self._query_cache) > 512:
                self._query_cache.popitem(last=False)
        return vector

    def _passage_vectors(self, texts: list[str]) -> list[list[float]]:
        """Vectors for texts to store, the misses embedded in one batch (reusing query vectors when the
        embedder is symmetric)."""
        found: dict[str, list[float]] = {}
        if self._symmetric:
            with self._query_cache_lock:
                found = {t: self._query_cache[t] for t in texts if t in self._query_cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, self._embedder.embed_batch(missing, "add"), strict=True))
            if self._symmetric:
                with self._query_cache_lock:
                    for text in missing:
                        self._query_cache[text] = found[text]
                    while len(self._query_cache) > 512:
                        self._query_cache.popitem(last=False)
        return [found[t] for t in texts]

    def forget_cached_queries(self) -> None:
        """Drop cached query vectors (benchmarks re-asking the same questions must pay for the embedding)."""
        with self._query_cache_lock:
            self._query_cache.clear()

    def _search_sync(
        self, user_id: str, query: str, run_id: str | None, top_k: int, threshold: float | None
    ) -> Records:
        vector = self._embed_query(query)
        filters = self._filters(user_id, run_id)
        hybrid = getattr(self._store, "hybrid_search", None)
        if hybrid is not None:
            hits = hybrid(query=query, vectors=vector, top_k=top_k, filters=filters)
        else:
            hits = self._store.search(query=query, vectors=vector, top_k=top_k, filters=filters)
        records = []
        for hit in hits:
            payload = hit.payload or {}
            if payload.get("user_id") != user_id:  # belt and braces: never trust a filter translation alone
                continue
            if threshold is not None and hybrid is None and hit.score is not None and hit.score < threshold:
                continue
            records.append(record_from_payload(hit.id, payload, hit.score))
        return records

    async def search(
        self,
        user_id: str,
        query: str,
        *,
        run_id: str | None = None,
        top_k: int = 10,
        threshold: float | None = None,
    ) -> Records:
        if not query.strip():
            return []
        return await self._run(self._search_sync, user_id, query, run_id, top_k, threshold)

    def _all_sync(self, user_id: str, category: Category | None = None) -> Records:
        filters = self._filters(user_id)
        if category:
            filters["category"] = category
        listed = self._store.list(filters=filters, top_k=_LIST_CAP)
        rows = _rows(listed)
        records = [record_from_payload(r.id, r.payload or {}) for r in rows]
        records = [
            r for r in records if r.user_id == user_id and (category is None or r.category == category)
        ]
        epoch = datetime.min.replace(tzinfo=UTC)
        records.sort(key=lambda r: (r.created_at or epoch, r.id), reverse=True)
        return records

    async def all(self, user_id: str, *, category: Category | None = None) -> Records:
        """Every memory of the user (optionally of one category), newest first."""
        return await self._run(self._all_sync, user_id, category)

    async def list(
        self, user_id: str, *, offset: int = 0, limit: int = 10, category: Category | None = None
    ) -> MemoryPage:
        records = await self.all(user_id, category=category)
        offset = max(0, offset)
        return MemoryPage(
            items=records[offset : offset + limit], total=len(records), offset=offset, limit=limit
        )

    def _get_sync(self, user_id: str, memory_id: str) -> MemoryRecord | None:
        try:
            point = self._store.get(vector_id=memory_id)
        except Exception as exc:
            # Unknown or malformed ids surface as store errors in some backends: treat as "not found".
            if "not found" in str(exc).lower() or "uuid" in str(exc).lower():
                return None
            raise
        if point is None or (point.payload or {}).get("user_id") != user_id:
            return None
        return record_from_payload(point.id, point.payload or {})

    async def get(self, user_id: str, memory_id: str) -> MemoryRecord | None:
        memory_id = memory_id.strip()
        if not memory_id:
            return None
        return await self._run(self._get_sync, user_id, memory_id)

    # ---- writes --------------------------------------------------------------------------------

    def _add_sync(
        self, user_id: str, text: str, category: Category, run_id: str | None, metadata: dict[str, Any]
    ) -> MemoryRecord:
        return self._add_many_sync(user_id, [NewMemory(text, category, run_id, metadata)])[0]

    def _add_many_sync(self, user_id: str, items: NewMemories) -> Records:
        """Embed every memory's indexed text in one batch, then write each through Mem0 with its vector."""
        now = datetime.now(UTC).isoformat()
        metas = [{**item.metadata, "category": item.category} for item in items]
        for meta in metas:
            meta.setdefault("created_at", now)
        vectors = self._passage_vectors([index_text(i.text, m) for i, m in zip(items, metas, strict=True)])
        records = []
        for item, meta, vector in zip(items, metas, vectors, strict=True):
            with self._embedder.prepared({item.text: vector}):
                result = self._mem0.add(
                    [{"role": "user", "content": item.text}],
                    user_id=user_id,
                    run_id=item.run_id,
                    metadata=meta,
                    infer=False,
                )
            added = result["results"][0]
            point = self._store.get(vector_id=added["id"])
            records.append(
                record_from_payload(
                    added["id"], point.payload if point else {"data": item.text, "user_id": user_id}
                )
            )
        return records

    async def add_many(self, user_id: str, items: NewMemories) -> Records:
        """Add several memories of one user, their vectors computed in one embedder call (the update worker's
        way: one batch per message, off the reply path)."""
        self._filters(user_id)
        cleaned = [
            NewMemory(i.text.strip(), i.category, i.run_id, dict(i.metadata)) for i in items if i.text.strip()
        ]
        if len(cleaned) != len(items):
            raise ValueError("a memory needs some text")
        if not cleaned:
            return []
        return await self._run(self._add_many_sync, user_id, cleaned)

    async def add(
        self,
        user_id: str,
        text: str,
        *,
        category: Category,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> MemoryRecord:
        if not text.strip():
            raise ValueError("a memory needs some text")
        self._filters(user_id)
        return await self._run(self._add_sync, user_id, text.strip(), category, run_id, dict(metadata or {}))

    def _infer_sync(
        self, user_id: str, messages: Messages, run_id: str | None, metadata: dict[str, Any]
    ) -> Records:
        result = self._mem0.add(messages, user_id=user_id, run_id=run_id, metadata=metadata, infer=True)
        records = []
        for item in result.get("results", []):
            point = self._store.get(vector_id=item["id"])
            if point is not None and (point.payload or {}).get("user_id") == user_id:
                records.append(record_from_payload(point.id, point.payload or {}))
        return records

    async def add_inferred(
        self,
        user_id: str,
        messages: Messages,
        *,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Records:
        """Mem0's own LLM extraction (`infer=True`); only used when a memory LLM is configured.

        The records come back as Mem0 stored them; the caller labels them (`annotate`) with what they mean.
        """
        return await self._run(self._infer_sync, user_id, messages, run_id, dict(metadata or {}))

    def _update_sync(self, user_id: str, memory_id: str, text: str) -> MemoryRecord | None:
        if self._get_sync(user_id, memory_id) is None:
            return None
        point = self._store.get(vector_id=memory_id)
        vector = self._passage_vectors([index_text(text, dict(point.payload or {}) if point else {})])[0]
        with self._embedder.prepared({text: vector}):
            self._mem0.update(memory_id, text=text)
        return self._get_sync(user_id, memory_id)

    async def update(self, user_id: str, memory_id: str, text: str) -> MemoryRecord | None:
        if not text.strip():
            raise ValueError("a memory needs some text")
        return await self._run(self._update_sync, user_id, memory_id.strip(), text.strip())

    def _annotate_sync(self, user_id: str | None, memory_id: str, metadata: dict[str, Any]) -> bool:
        point = self._store.get(vector_id=memory_id)
        payload = dict(point.payload or {}) if point is not None else None
        if payload is None or payload.get("user_id") != user_id:
            return False
        payload.update({k: v for k, v in metadata.items() if k not in CORE_KEYS or k == "category"})
        self._store.update(vector_id=memory_id, payload=payload)
        return True

    async def annotate(self, user_id: str | None, memory_id: str, metadata: dict[str, Any]) -> bool:
        """Set metadata keys on one memory of `user_id` (None: agent-level guidance) without touching its
        text or vector; False when it is not theirs. `category` may be set; other core keys may not."""
        return await self._run(self._annotate_sync, user_id, memory_id.strip(), dict(metadata))

    def _scan_sync(self) -> Records:
        rows = _rows(self._store.list(filters=None, top_k=_LIST_CAP))
        return [record_from_payload(r.id, r.payload or {}) for r in rows]

    async def scan(self) -> Records:
        """Every memory of every user and the guidance, unordered: for one-time upgrades only."""
        return await self._run(self._scan_sync)

    def _purge_history_sync(self, memory_ids: Ids, user_id: str | None) -> None:
        """Mem0 keeps the old text of deleted memories in its history table: remove those rows too."""
        db = self._mem0.db
        with db._lock:
            conn: sqlite3.Connection = db.connection
            conn.executemany("DELETE FROM history WHERE memory_id = ?", [(m,) for m in memory_ids])
            if user_id is not None:
                scope = "user_id=" + user_id.replace("%", "%25").replace("&", "%26").replace("=", "%3D")
                conn.execute(
                    "DELETE FROM messages WHERE session_scope = ? OR session_scope LIKE ? ESCAPE '\\' "
                    "OR session_scope LIKE ? ESCAPE '\\'",
                    (scope, "%&" + _like(scope), _like(scope) + "&%"),
                )
            conn.commit()

    def _delete_sync(self, user_id: str, memory_id: str) -> bool:
        if self._get_sync(user_id, memory_id) is None:
            return False
        self._mem0.delete(memory_id)
        self._purge_history_sync([memory_id], None)
        return True

    async def delete(self, user_id: str, memory_id: str) -> bool:
        memory_id = memory_id.strip()
        if not memory_id:
            return False
        return await self._run(self._delete_sync, user_id, memory_id)

    def _delete_all_sync(self, user_id: str) -> int:
        ids = [r.id for r in self._all_sync(user_id)]
        for memory_id in ids:
            self._mem0.delete(memory_id)
        self._purge_history_sync(ids, user_id)
        return len(ids)

    async def delete_all(self, user_id: str) -> int:
        self._filters(user_id)
        return await self._run(self._delete_all_sync, user_id)

    async def export(self, user_id: str) -> dict[str, Any]:
        records = await self.all(user_id)
        return {
            "user_id": user_id,
            "exported_at": datetime.now(UTC).isoformat(),
            "count": len(records),
            "memories": [r.to_json() for r in records],
        }

    # ---- agent level: the operator's bot-wide guidance ------------------------------------------
    # Stored with `agent_id` and no `user_id`, written only by the operator (CLI), never derived from what a
    # user says: so nothing of one user can reach another through them.

    def _heuristics_sync(self) -> Records:
        listed = self._store.list(filters={"agent_id": AGENT_ID}, top_k=_LIST_CAP)
        rows = _rows(listed)
        found = [
            record_from_payload(r.id, r.payload or {})
            for r in rows
            if (r.payload or {}).get("agent_id") == AGENT_ID and not (r.payload or {}).get("user_id")
        ]
        epoch = datetime.min.replace(tzinfo=UTC)
        return sorted(found, key=lambda r: (r.created_at or epoch, r.id))

    async def heuristics(self) -> Records:
        """The operator's guidance, oldest first."""
        return await self._run(self._heuristics_sync)

    def _add_heuristic_sync(self, text: str, metadata: dict[str, Any]) -> MemoryRecord:
        meta = {**metadata, "category": "heuristic", "created_at": datetime.now(UTC).isoformat()}
        result = self._mem0.add(
            [{"role": "user", "content": text}], agent_id=AGENT_ID, metadata=meta, infer=False
        )
        memory_id = result["results"][0]["id"]
        point = self._store.get(vector_id=memory_id)
        return record_from_payload(memory_id, point.payload if point else {"data": text})

    async def add_heuristic(self, text: str, *, metadata: dict[str, Any] | None = None) -> MemoryRecord:
        if not text.strip():
            raise ValueError("guidance needs some text")
        return await self._run(self._add_heuristic_sync, text.strip(), dict(metadata or {}))

    def _delete_heuristic_sync(self, memory_id: str) -> bool:
        if memory_id not in {r.id for r in self._heuristics_sync()}:
            return False
        self._mem0.delete(memory_id)
        self._purge_history_sync([memory_id], None)
        return True

    async def delete_heuristic(self, memory_id: str) -> bool:
        return await self._run(self._delete_heuristic_sync, memory_id.strip())

    def _compact_sync(self) -> None:
        db = self._mem0.db
        with db._lock:
            db.connection.execute("PRAGMA secure_delete=ON")
            db.connection.commit()
            db.connection.execute("VACUUM")
            db.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for store in (self._store, getattr(self._mem0, "_entity_store", None)):
            compact = getattr(store, "compact", None)
            if compact is not None:
                compact()

    async def compact(self) -> None:
        """Physically drop deleted text: vacuum Mem0's history and compact the vector store.

        Seconds on a big store, but searches go on meanwhile (Qdrant Edge compacts in a child process);
        writes wait. `bot.compaction` schedules it after forgets.
        """
        await self._run(self._compact_sync)

    @property
    def needs_compaction(self) -> bool:
        """Something was deleted or overwritten since the last compaction (only Qdrant Edge keeps track)."""
        stores = (self._store, getattr(self._mem0, "_entity_store", None))
        return any(bool(getattr(store, "needs_compaction", False)) for store in stores)

    def _close_sync(self) -> None:
        with self._idle:  # held while closing: a call that starts now runs after, and fails cleanly
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout=CLOSE_WAIT_S):
                log.warning("closing the memory store with %d call(s) still running", self._in_flight)
            self._close_stores()

    def _close_stores(self) -> None:
        for store in (self._store, getattr(self._mem0, "_entity_store", None)):
            if store is None:
                continue
            closer = getattr(store, "close", None)
            client = getattr(store, "client", None)
            if closer is not None:
                closer()
            elif client is not None and hasattr(client, "close"):
                client.close()
        self._mem0.db.close()

    async def close(self) -> None:
        await asyncio.to_thread(self._close_sync)


def _rows(listed: Any) -> Any:
    """Mem0 stores' `list` returns `[rows, next_offset]` (Qdrant) or bare rows (some others)."""
    return (listed[0] if listed and isinstance(listed[0], list) else listed) or []


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


if TYPE_CHECKING:  # mypy proves the structural conformance the core relies on

    def _conforms(store: Mem0Store) -> tuple[InferringStore, Compactable]:
        return store, store


__all__ = ["Mem0Store", "record_from_payload"]

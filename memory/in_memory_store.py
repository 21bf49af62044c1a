"""`MemoryStore` in a dict: for the core's fast tests, and for trying the core without Qdrant.

Rows are kept as the payloads Mem0 would store (`data`, `user_id`, `category`, timestamps, the caller's
metadata) and read back through the same `record_from_payload`, so records look exactly like the real
store's. Search is lexical (shared words, best first, then newest) instead of embeddings: deterministic, no
model to load. It is held to the real store's behaviour by `tests/memory/test_store_contract.py`, isolation
included: every per-person method filters by `user_id` before anything else, as `Mem0Store` does.

Not durable (nothing survives the process) and not shared between workers; never the proof of a memory
guarantee, which only the real store can give.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from memory.index_text import index_text
from memory.payload import CORE_KEYS, parse_time, record_from_payload
from memory.store import MemoryStore, MemoryUnavailable
from memory.types import Category, MemoryPage, MemoryRecord

__all__ = ["InMemoryStore"]

# `list` is also a method name of the store; annotations inside the class use these aliases.
Records = list[MemoryRecord]
_WORD = re.compile(r"\w+")
_EPOCH = datetime.min.replace(tzinfo=UTC)


@dataclass
class _Row:
    payload: dict[str, Any]
    seq: int
    """Insertion order: breaks ties between memories stored within the same microsecond."""


Rows = list[tuple[str, _Row]]


class InMemoryStore:
    """The whole `MemoryStore` protocol on a dict keyed by memory id (UUIDs, as Mem0's)."""

    def __init__(
        self, *, user_locks: Callable[[str], AbstractAsyncContextManager[object]] | None = None
    ) -> None:
        self._rows: dict[str, _Row] = {}
        self._seq = itertools.count()
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._user_locks = user_locks
        self._closed = False

    def user_lock(self, user_id: str) -> AbstractAsyncContextManager[object]:
        """An `asyncio.Lock` per person, or the injected (shared) locks."""
        if self._user_locks is not None:
            return self._user_locks(user_id)
        return self._locks[user_id]

    # ---- reads ---------------------------------------------------------------------------------

    def _owned(self, user_id: str) -> Rows:
        """The person's rows: the one place every per-person read and write starts from."""
        if not user_id:
            raise ValueError("user_id is required")
        self._check_open()
        return [(mid, row) for mid, row in self._rows.items() if row.payload.get("user_id") == user_id]

    def _own_row(self, user_id: str, memory_id: str) -> _Row | None:
        """The row when it is the person's; None for anyone else's, and for no one's (as `Mem0Store`)."""
        self._check_open()
        row = self._rows.get(memory_id.strip())
        if not user_id or row is None or row.payload.get("user_id") != user_id:
            return None
        return row

    async def search(
        self,
        user_id: str,
        query: str,
        *,
        run_id: str | None = None,
        top_k: int = 10,
        threshold: float | None = None,
    ) -> Records:
        """Best word overlap first, then newest; like a dense search, weak matches still come back (after
        the strong ones) unless `threshold` (on the overlap, 0 to 1) drops them."""
        if not query.strip():
            return []
        wanted = _words(query)
        scored = []
        for memory_id, row in self._owned(user_id):
            if run_id and row.payload.get("run_id") != run_id:
                continue
            score = _overlap(wanted, _words(index_text(str(row.payload.get("data", "")), row.payload)))
            if threshold is not None and score < threshold:
                continue
            scored.append((score, _newest_key(row), memory_id, row))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [_record(mid, row, score) for score, _, mid, row in scored[: max(0, top_k)]]

    async def all(self, user_id: str, *, category: Category | None = None) -> Records:
        rows = [
            (mid, row)
            for mid, row in self._owned(user_id)
            if category is None or record_from_payload(mid, row.payload).category == category
        ]
        rows.sort(key=lambda item: _newest_key(item[1]), reverse=True)
        return [_record(mid, row) for mid, row in rows]

    async def list(
        self, user_id: str, *, offset: int = 0, limit: int = 10, category: Category | None = None
    ) -> MemoryPage:
        records = await self.all(user_id, category=category)
        offset = max(0, offset)
        return MemoryPage(
            items=records[offset : offset + limit], total=len(records), offset=offset, limit=limit
        )

    async def get(self, user_id: str, memory_id: str) -> MemoryRecord | None:
        if not memory_id.strip():
            return None
        row = self._own_row(user_id, memory_id)
        return _record(memory_id.strip(), row) if row is not None else None

    # ---- writes --------------------------------------------------------------------------------

    def _insert(self, payload: dict[str, Any]) -> MemoryRecord:
        memory_id = str(uuid.uuid4())
        row = _Row(copy.deepcopy(payload), next(self._seq))
        self._rows[memory_id] = row
        return _record(memory_id, row)

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
        self._owned(user_id)  # the same checks as every per-person call
        payload: dict[str, Any] = {**(metadata or {}), "category": category}
        payload.setdefault("created_at", _now())
        payload.update(data=text.strip(), user_id=user_id)
        if run_id:
            payload["run_id"] = run_id
        return self._insert(payload)

    async def update(self, user_id: str, memory_id: str, text: str) -> MemoryRecord | None:
        if not text.strip():
            raise ValueError("a memory needs some text")
        row = self._own_row(user_id, memory_id)
        if row is None:
            return None
        row.payload.update(data=text.strip(), updated_at=_now())
        return _record(memory_id.strip(), row)

    async def annotate(self, user_id: str | None, memory_id: str, metadata: dict[str, Any]) -> bool:
        self._check_open()
        row = self._rows.get(memory_id.strip())
        if row is None or row.payload.get("user_id") != user_id:
            return False
        keys = {k: v for k, v in metadata.items() if k not in CORE_KEYS or k == "category"}
        row.payload.update(copy.deepcopy(keys))
        return True

    async def delete(self, user_id: str, memory_id: str) -> bool:
        if not memory_id.strip() or self._own_row(user_id, memory_id) is None:
            return False
        del self._rows[memory_id.strip()]
        return True

    async def delete_all(self, user_id: str) -> int:
        owned = self._owned(user_id)
        for memory_id, _ in owned:
            del self._rows[memory_id]
        return len(owned)

    async def export(self, user_id: str) -> dict[str, Any]:
        records = await self.all(user_id)
        return {
            "user_id": user_id,
            "exported_at": _now(),
            "count": len(records),
            "memories": [r.to_json() for r in records],
        }

    def forget_cached_queries(self) -> None:
        """Nothing to drop: this store caches nothing derived from what people wrote."""

    # ---- the operator's guidance ---------------------------------------------------------------

    def _guidance(self) -> Rows:
        self._check_open()
        return [
            (mid, row)
            for mid, row in self._rows.items()
            if not row.payload.get("user_id") and row.payload.get("category") == "heuristic"
        ]

    async def heuristics(self) -> Records:
        rows = sorted(self._guidance(), key=lambda item: _newest_key(item[1]))
        return [_record(mid, row) for mid, row in rows]

    async def add_heuristic(self, text: str, *, metadata: dict[str, Any] | None = None) -> MemoryRecord:
        if not text.strip():
            raise ValueError("guidance needs some text")
        self._check_open()
        return self._insert(
            {**(metadata or {}), "category": "heuristic", "created_at": _now(), "data": text.strip()}
        )

    async def delete_heuristic(self, memory_id: str) -> bool:
        memory_id = memory_id.strip()
        if memory_id not in {mid for mid, _ in self._guidance()}:
            return False
        del self._rows[memory_id]
        return True

    async def scan(self) -> Records:
        self._check_open()
        return [_record(mid, row) for mid, row in self._rows.items()]

    async def close(self) -> None:
        self._closed = True
        self._rows.clear()

    def _check_open(self) -> None:
        if self._closed:  # as `Mem0Store` after `close`: callers answer without memory, updates wait
            raise MemoryUnavailable("the memory store is closed")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _newest_key(row: _Row) -> tuple[datetime, int]:
    return (parse_time(row.payload.get("created_at")) or _EPOCH, row.seq)


def _record(memory_id: str, row: _Row, score: float | None = None) -> MemoryRecord:
    """A copy: a caller mutating a record's metadata must not change the stored memory."""
    return record_from_payload(memory_id, copy.deepcopy(row.payload), score)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) > 1}


def _overlap(wanted: set[str], have: set[str]) -> float:
    """How much of the query the memory covers (0 to 1): a word counts fully when present, half when one
    is a prefix of the other ("dog" / "dogs"), so plurals and simple inflections still match."""
    if not wanted:
        return 0.0
    total = 0.0
    for word in wanted:
        if word in have:
            total += 1.0
        elif len(word) >= 3 and any(h.startswith(word) or (len(h) >= 3 and word.startswith(h)) for h in have):
            total += 0.5
    return total / len(wanted)


if TYPE_CHECKING:  # mypy proves the structural conformance

    def _conforms(store: InMemoryStore) -> MemoryStore:
        return store

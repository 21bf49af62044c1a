"""The memory protocol the core depends on. Every method takes the owner's `user_id`: scope is part of the
signature, so no call can reach memories without naming whose they are."""

from __future__ import annotations

from typing import Any, Protocol

from memory.types import Category, MemoryPage, MemoryRecord


class MemoryUnavailable(Exception):
    """The embedder or vector store failed; callers answer without memory and retry the update later."""


class MemoryStore(Protocol):
    async def search(
        self,
        user_id: str,
        query: str,
        *,
        run_id: str | None = None,
        top_k: int = 10,
        threshold: float | None = None,
    ) -> list[MemoryRecord]: ...

    async def list(
        self, user_id: str, *, offset: int = 0, limit: int = 10, category: Category | None = None
    ) -> MemoryPage:
        """Newest first, with the total count."""
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
    ) -> MemoryRecord: ...

    async def update(self, user_id: str, memory_id: str, text: str) -> MemoryRecord | None: ...

    async def delete(self, user_id: str, memory_id: str) -> bool: ...

    async def delete_all(self, user_id: str) -> int:
        """Remove every memory of this user and their history rows; returns how many memories went."""
        ...

    async def export(self, user_id: str) -> dict[str, Any]: ...

    async def close(self) -> None: ...

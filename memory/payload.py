"""A stored point's payload (Mem0's dict: `data`, `user_id`, timestamps, our metadata) as a `MemoryRecord`.

Kept apart from `mem0_store` so that a store without Mem0 (`InMemoryStore`) reads its rows the same way,
without importing Mem0 or an embedder.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from memory.types import CATEGORIES, MemoryRecord

__all__ = ["CORE_KEYS", "parse_time", "record_from_payload"]

CORE_KEYS = frozenset(
    {
        "data",
        "hash",
        "created_at",
        "updated_at",
        "user_id",
        "agent_id",
        "run_id",
        "text_lemmatized",
        "category",
        "role",
        "actor_id",
    }
)
"""Payload keys that are Mem0's or ours-structural; everything else is the caller's metadata."""


def parse_time(value: Any) -> datetime | None:
    """An ISO timestamp as an aware datetime (naive ones are UTC); None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def record_from_payload(memory_id: Any, payload: dict[str, Any], score: float | None = None) -> MemoryRecord:
    category = payload.get("category")
    return MemoryRecord(
        id=str(memory_id),
        text=str(payload.get("data", "")),
        user_id=str(payload.get("user_id", "")),
        category=category if category in CATEGORIES else "fact",
        created_at=parse_time(payload.get("created_at")),
        updated_at=parse_time(payload.get("updated_at")),
        run_id=payload.get("run_id"),
        score=score,
        metadata={k: v for k, v in payload.items() if k not in CORE_KEYS},
    )

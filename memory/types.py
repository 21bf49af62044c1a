"""Our view of a memory, independent of Mem0's dict shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Category = Literal["preference", "fact", "interaction", "heuristic"]
CATEGORIES: tuple[Category, ...] = ("preference", "fact", "interaction", "heuristic")


@dataclass(frozen=True, slots=True)
class MemoryRecord:
    id: str
    text: str
    user_id: str
    category: Category = "fact"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    run_id: str | None = None
    score: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    """platform, source channel/thread, message link, and the supersede key of a preference."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "category": self.category,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "session": self.run_id,
            "metadata": self.metadata,
        }


@dataclass(frozen=True, slots=True)
class MemoryPage:
    items: list[MemoryRecord]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


@dataclass(frozen=True, slots=True)
class NewMemory:
    """One memory to add (`Mem0Store.add_many`)."""

    text: str
    category: Category
    run_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

"""Per-user long-term memory: Mem0 on Qdrant, with a small protocol the core depends on."""

from memory.ids import session_id_for, user_id_for
from memory.types import Category, MemoryPage, MemoryRecord

__all__ = ["Category", "MemoryPage", "MemoryRecord", "session_id_for", "user_id_for"]

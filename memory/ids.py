"""Ids the memory layer itself defines: the agent scope of bot-wide guidance and short memory ids."""

from __future__ import annotations

AGENT_ID = "memorybot"

SHORT_ID_CHARS = 8
"""Listings show this many leading characters of a memory id, and `/forget` accepts them (like short git
hashes): nobody should have to type a 36-character UUID. Among one person's memories, 8 hex digits collide
with odds of about one in four billion per pair."""


def short_id(memory_id: str) -> str:
    """What a listing shows of a memory id."""
    return memory_id[:SHORT_ID_CHARS]

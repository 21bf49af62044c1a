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


def resolve_short_id(given: str, ids: list[str]) -> str | None:
    """The one id among `ids` that `given` names: the id itself, or the only one starting with a short id of
    at least `SHORT_ID_CHARS` characters. None when nothing, or more than one, matches."""
    given = given.strip().strip("`").lower()
    if given in ids:
        return given
    if len(given) < SHORT_ID_CHARS:
        return None
    matches = [i for i in ids if i.lower().startswith(given)]
    return matches[0] if len(matches) == 1 else None

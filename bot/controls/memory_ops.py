"""What the controls do to memories: remember explicitly, edit, and expire old interactions.

`/remember` goes through `remember_explicitly` alone, so that when the preference grammar becomes a typed
model this is the one function to re-point. It uses the same extractor and replace-by-key rule as a chat
message (`bot.remember`): "I prefer uppercase tags" replaces "Prefers lowercase tags".
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.remember import apply_update
from memory.extract import extract_facts
from memory.mem0_store import Mem0Store
from memory.types import MemoryRecord

log = logging.getLogger(__name__)


async def remember_explicitly(store: Mem0Store, user_id: str, text: str, *, key: str) -> list[MemoryRecord]:
    """Store `text` for `user_id`: as the preferences and facts it states, else word for word as a fact.

    Caller holds the user's lock. Returns what was added (nothing when it was already known).
    """
    if extract_facts(text):
        payload: dict[str, Any] = {"text": text, "source": {"via": "remember"}, "tags": [], "infer": False}
        return await apply_update(store, user_id, key, payload)
    same = [r for r in await store.all(user_id, category="fact") if r.text.strip() == text.strip()]
    if same:
        return []
    return [await store.add(user_id, text, category="fact", metadata={"job_key": key, "via": "remember"})]


async def edit_memory(store: Mem0Store, owner: str, memory_id: str, text: str) -> MemoryRecord | None:
    """Replace the text of one of `owner`'s memories (Mem0 keeps the old text in its history).

    The memory's labels follow the new text: an edited preference keeps its supersede key only if the new
    words still state that preference, and another memory with the same key gives way (newer wins, as in
    chat). Caller holds the owner's lock.
    """
    old = await store.get(owner, memory_id)
    if old is None:
        return None
    facts = extract_facts(text)
    fact = facts[0] if len(facts) == 1 and facts[0].key else None
    metadata: dict[str, Any]
    if fact is not None:
        metadata = {"category": fact.category, "pref_key": fact.key, "pref_value": fact.value}
        for other in await store.all(owner, category=fact.category):
            if other.id != memory_id and other.metadata.get("pref_key") == fact.key:
                await store.delete(owner, other.id)
    elif old.metadata.get("pref_key") is not None:
        metadata = {"category": "fact" if old.category == "preference" else old.category}
        metadata.update(pref_key=None, pref_value=None)
    else:
        metadata = {}
    return await store.update(owner, memory_id, text, metadata=metadata or None)


async def expired_interactions(
    store: Mem0Store, users_days: dict[str, int], default_days: int | None, *, now: datetime | None = None
) -> list[MemoryRecord]:
    """Interaction memories past their owner's retention (the shorter of theirs and the bot's), all users."""
    if not users_days and not default_days:
        return []
    now = now or datetime.now(UTC)
    expired: list[MemoryRecord] = []
    for record in await store.of_category("interaction"):
        limits = [d for d in (users_days.get(record.user_id), default_days) if d]
        if limits and record.created_at is not None and record.created_at < now - timedelta(days=min(limits)):
            expired.append(record)
    return expired

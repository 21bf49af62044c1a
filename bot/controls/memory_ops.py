"""What the controls do to memories: remember explicitly, edit, and find interactions past their retention.

`/remember` and edits read the text with the same rules as a chat message (`bot.understanding.rules`), and
what they store goes through the same validator and the same `apply_update` as a chat message's update:
"I prefer uppercase tags" replaces "Prefers lowercase tags" by key. Text the rules do not read as a
preference is kept word for word as a fact (a `fact` preference, keyed by its words).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.remember import apply_update
from bot.understanding.operations import (
    Add,
    MemoryUpdate,
    Operation,
    Replace,
    UpdateSource,
    validate_operations,
)
from bot.understanding.preferences import Preference, category_of, slug
from bot.understanding.records import preference_in
from bot.understanding.rules import understand
from memory.store import MemoryStore
from memory.types import MemoryRecord

__all__ = ["MAX_REMEMBER_CHARS", "edit_memory", "expired_interactions", "remember_explicitly"]

MAX_REMEMBER_CHARS = 300
"""The longest value a preference holds (`Preference.value`)."""


def _as_fact(text: str) -> Preference:
    return Preference(
        kind="fact", subject=slug(text)[:80].strip("-") or "note", value=text[:MAX_REMEMBER_CHARS]
    )


def operations_for(text: str) -> list[Operation]:
    """What `text` states about its author, as validated operations; a plain fact when nothing else."""
    stated = [op for op in understand(text).operations if isinstance(op, Add | Replace)]
    return validate_operations(stated or [Add(preference=_as_fact(text))], source="offline")


async def remember_explicitly(
    store: MemoryStore, user_id: str, text: str, *, key: str, platform: str
) -> list[MemoryRecord]:
    """Store what `text` states for `user_id`, now (not through the queue). Caller holds the user's lock.

    Returns what was added (nothing when it was already known).
    """
    update = MemoryUpdate(
        key=key,
        user_id=user_id,
        source=UpdateSource(platform=platform),
        operations=tuple(operations_for(text)),
    )
    return await apply_update(store, update)


async def edit_memory(store: MemoryStore, owner: str, memory_id: str, text: str) -> MemoryRecord | None:
    """Replace the text of one of `owner`'s memories (Mem0's history keeps the old text).

    The memory's typed meaning follows the new words: an edited preference holds what the new text states
    (another memory holding the same key gives way, as in chat), and text the rules cannot read becomes a
    plain fact. Caller holds the owner's lock.
    """
    old = await store.get(owner, memory_id)
    if old is None:
        return None
    if old.category == "interaction":
        updated = await store.update(owner, memory_id, text)
        return updated
    ops = [op for op in operations_for(text) if isinstance(op, Add | Replace)]
    pref = ops[0].preference if len(ops) == 1 else _as_fact(text)
    for other in await store.all(owner):
        held = preference_in(other)
        if other.id != memory_id and held is not None and held.key in (pref.key, *pref.displaces()):
            await store.delete(owner, other.id)
    updated = await store.update(owner, memory_id, text)
    if updated is None:
        return None
    await store.annotate(
        owner, memory_id, {**pref.metadata(), "category": category_of(pref), "pref_source": "edit"}
    )
    return await store.get(owner, memory_id)


async def expired_interactions(
    store: MemoryStore, users_days: dict[str, int], default_days: int | None, *, now: datetime | None = None
) -> list[MemoryRecord]:
    """Interaction memories past their owner's retention (the shorter of theirs and the bot's), all users."""
    if not users_days and not default_days:
        return []
    now = now or datetime.now(UTC)
    expired: list[MemoryRecord] = []
    for record in await store.scan():
        if record.category != "interaction" or not record.user_id or record.created_at is None:
            continue
        limits = [d for d in (users_days.get(record.user_id), default_days) if d]
        if limits and record.created_at < now - timedelta(days=min(limits)):
            expired.append(record)
    return expired

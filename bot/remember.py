"""Applying one `MemoryUpdate` to the store: typed operations, Mem0's own extraction, the interaction record.

Applying the same update twice leaves the same memories (every memory carries the update's key, and a
preference that is already held is not stored again), which is what lets the durable queue replay after a
crash. Supersede is by key: the memory holding a key is deleted when a newer preference takes the key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.judge import replaced_by
from bot.understanding.operations import Add, Forget, MemoryUpdate, Remove, Replace
from bot.understanding.preferences import SCHEMA_VERSION, Preference, category_of, slug
from bot.understanding.records import preference_in
from bot.understanding.render import memory_text
from memory.store import InferringStore, MemoryStore
from memory.types import MemoryRecord

__all__ = ["apply_update", "interaction_text"]

log = logging.getLogger(__name__)


def interaction_text(subject: str, tags: Sequence[str], url: str | None) -> str:
    """One tagging exchange as a memory: "Tagged <title or first 8 words> (<url>) with a, b" — the tags
    exactly as the reply showed them."""
    words = subject.split()
    shown_subject = " ".join(words[:8]) + ("…" if len(words) > 8 else "") or "a message"
    where = f" ({url})" if url else ""
    shown = ", ".join(tags) if tags else "no tags"
    return f"Tagged {shown_subject}{where} with {shown}"


async def apply_update(store: MemoryStore, update: MemoryUpdate) -> list[MemoryRecord]:
    """Store what this exchange taught us about the user. Caller holds the user's lock."""
    user_id = update.user_id
    base_meta: dict[str, Any] = {"job_key": update.key, **update.source.metadata()}
    existing = await store.all(user_id)
    if any(r.metadata.get("job_key") == update.key for r in existing):
        return []  # a replay of an update that landed before the process died
    live = {r.id: r for r in existing}
    added: list[MemoryRecord] = []

    async def drop(key: str, value: str | None = None, *, keep: Preference | None = None) -> None:
        for record in list(live.values()):
            pref = preference_in(record)
            if pref is None or pref.key != key or pref == keep or (value is not None and pref.value != value):
                continue
            if await store.delete(user_id, record.id):
                del live[record.id]
                log.info("memory superseded", extra={"key": key})

    for op in update.operations:
        if isinstance(op, Add | Replace):
            pref = op.preference
            if isinstance(op, Replace):
                await drop(op.key)
            if any(preference_in(r) == pref for r in live.values()):
                continue  # already known: no duplicate
            for key in [pref.key, *pref.displaces()]:
                await drop(key, keep=pref)
            meta = {**base_meta, **pref.metadata(), "pref_source": op.source}
            if isinstance(op, Add) and op.correction:
                meta["correction"] = True
            record = await store.add(user_id, memory_text(pref), category=category_of(pref), metadata=meta)
            live[record.id] = record
            added.append(record)
        elif isinstance(op, Remove):
            if op.memory_id is not None:
                if op.memory_id in live and await store.delete(user_id, op.memory_id):
                    del live[op.memory_id]
            elif op.key:
                await drop(op.key, op.value)
        elif isinstance(op, Forget):
            log.info("an unresolved forget-by-description reached the worker; the service resolves those")

    if update.infer_messages:
        if isinstance(store, InferringStore):
            added.extend(await _infer(store, update, base_meta, existing))
        else:
            log.warning("MEMORY_LLM is set but this memory store cannot extract memories; skipped")

    if update.interaction is not None and update.interaction.tags:
        item = update.interaction
        meta = {**base_meta, "tags": list(item.tags), "schema": SCHEMA_VERSION}
        if item.url:
            meta["url"] = item.url
        if item.title:
            meta["title"] = item.title
        summary = interaction_text(item.title or item.subject, item.tags, item.url)
        added.append(
            await store.add(user_id, summary, category="interaction", run_id=update.run_id, metadata=meta)
        )
    return added


async def _infer(
    store: InferringStore, update: MemoryUpdate, base_meta: dict[str, Any], existing: list[MemoryRecord]
) -> list[MemoryRecord]:
    """Mem0's own LLM extraction (MEMORY_LLM), mapped onto the model: each memory it writes becomes a
    free-form `fact` preference (labelled by metadata, never by reading its text), and the memory LLM judges
    which older free-form memories it replaces. Typed preferences come from the tagging model's operations."""
    user_id = update.user_id
    messages = [dict(m) for m in update.infer_messages]
    inferred = await store.add_inferred(user_id, messages, run_id=update.run_id, metadata=base_meta)
    labelled: list[MemoryRecord] = []
    for record in inferred:
        fact = Preference(kind="fact", subject=slug(record.id)[:12], value=record.text[:300])
        meta = {**fact.metadata(), "pref_source": "mem0", "category": "fact"}
        await store.annotate(user_id, record.id, meta)
        labelled.append(record)
        free = [r for r in existing if (p := preference_in(r)) is None or p.kind == "fact"]
        for old in await replaced_by(store, user_id, record, free):
            if await store.delete(user_id, old.id):
                log.info("memory superseded by judgement")
    return labelled

"""Turning one exchange into memories: extraction, supersede, and the interaction record.

Applying the same job twice leaves the same memories (every memory carries the job key, and a fact that is
already known is not stored again), which is what lets the durable queue replay after a crash.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.judge import replaced_by
from memory.extract import extract_facts, interaction_text, parse_memory
from memory.mem0_store import Mem0Store
from memory.types import MemoryRecord

log = logging.getLogger(__name__)


def _key_of(record: MemoryRecord) -> tuple[str, str] | None:
    key = record.metadata.get("pref_key")
    if isinstance(key, str):
        return key, str(record.metadata.get("pref_value", ""))
    parsed = parse_memory(record.text)
    return (parsed.key, parsed.value) if parsed and parsed.key else None


async def apply_update(
    store: Mem0Store, user_id: str, key: str, payload: dict[str, Any]
) -> list[MemoryRecord]:
    """Store what this exchange taught us about the user. Caller holds the user's lock."""
    text: str = payload.get("text", "")
    run_id: str | None = payload.get("run_id")
    base_meta: dict[str, Any] = {"job_key": key, **payload.get("source", {})}
    existing = await store.all(user_id)
    if any(r.metadata.get("job_key") == key for r in existing):
        return []  # a replay of a job that landed before the process died
    added: list[MemoryRecord] = []

    if payload.get("infer"):
        messages = [{"role": "user", "content": text}]
        if payload.get("reply"):
            messages.append({"role": "assistant", "content": payload["reply"]})
        facts_from_llm = await store.add_inferred(user_id, messages, run_id=run_id, metadata=base_meta)
        added.extend(facts_from_llm)
        new_keys = {k for r in facts_from_llm if (k := _key_of(r))}
        for old in existing:
            old_key = _key_of(old)
            if old_key and any(nk[0] == old_key[0] and nk[1] != old_key[1] for nk in new_keys):
                await store.delete(user_id, old.id)
        for record in facts_from_llm:
            if _key_of(record) is None:  # beyond the rules: the memory LLM judges what it replaces
                for old in await replaced_by(store, user_id, record, existing):
                    if await store.delete(user_id, old.id):
                        log.info("memory superseded by judgement")
    else:
        for fact in extract_facts(text):
            same_key = [r for r in existing if fact.key and (k := _key_of(r)) and k[0] == fact.key]
            if any(_key_of(r) == (fact.key, fact.value) for r in same_key):
                continue  # already known: no duplicate
            for old in same_key:  # a contradiction: the newer statement wins
                await store.delete(user_id, old.id)
                log.info("memory superseded", extra={"key": fact.key})
            meta = {**base_meta, "pref_key": fact.key, "pref_value": fact.value}
            added.append(await store.add(user_id, fact.text, category=fact.category, metadata=meta))

    tags: list[str] = payload.get("tags") or []
    if tags:
        summary = interaction_text(payload.get("title") or text, tags, payload.get("url"))
        meta = {**base_meta, "tags": tags}
        if payload.get("url"):
            meta["url"] = payload["url"]
        if payload.get("title"):
            meta["title"] = payload["title"]
        added.append(await store.add(user_id, summary, category="interaction", run_id=run_id, metadata=meta))
    return added

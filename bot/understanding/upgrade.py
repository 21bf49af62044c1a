"""The one-time upgrade of a version-1 store: memory text -> typed preference metadata.

Version 1 kept a preference only as a sentence ("Prefers lowercase tags"), sometimes with a `pref_key` that
nothing read. At start-up every memory without a `schema` is labelled once: its sentence is read with the
version-1 grammar (`bot.understanding._statements.parse_memory_facts`) — **the only place where memory text
is ever read back** — and the result stored as metadata. Nothing is lost: a memory stating one preference
keeps its id and text; one stating several ("Likes Rust and avoids politics") becomes one memory per
preference, dated like the original; anything else (interactions, free-form facts) keeps its text and is
marked as upgraded. A marker file in the data directory makes later start-ups skip the scan.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.understanding._statements import parse_memory_facts
from bot.understanding.preferences import SCHEMA_VERSION, Preference, category_of, slug
from bot.understanding.render import memory_text
from bot.understanding.rules import preference_of
from memory.store import MemoryStore
from memory.types import MemoryRecord

__all__ = ["MARKER", "upgrade_store"]

log = logging.getLogger(__name__)

MARKER = "schema-v2.done"


async def upgrade_store(store: MemoryStore, data_dir: Path | None = None) -> int:
    """Label every version-1 memory with its preference metadata; returns how many were upgraded."""
    marker = data_dir / MARKER if data_dir is not None else None
    if marker is not None and marker.exists():
        return 0
    upgraded = 0
    for record in await store.scan():
        if record.metadata.get("schema") is not None:
            continue
        await _upgrade(store, record)
        upgraded += 1
    if upgraded:
        log.info("memories upgraded to the typed preference model", extra={"count": upgraded})
    if marker is not None:
        marker.write_text(f"schema {SCHEMA_VERSION}\n")
    return upgraded


def _preferences_in_text(record: MemoryRecord) -> list[Preference]:
    prefs = [p for f in parse_memory_facts(record.text) if (p := preference_of(f)) is not None]
    if record.category == "heuristic":
        return [p for p in prefs if not p.kind.startswith(("identity.", "fact"))]
    return prefs


async def _upgrade(store: MemoryStore, record: MemoryRecord) -> None:
    owner = record.user_id or None
    if record.category == "interaction":
        await store.annotate(owner, record.id, {"schema": SCHEMA_VERSION})
        return
    prefs = _preferences_in_text(record)
    if not prefs:
        if record.category == "heuristic" or owner is None:
            await store.annotate(owner, record.id, {"schema": SCHEMA_VERSION})
            return
        # A free-form fact (an LLM extractor's, say): kept word for word as a `fact` preference.
        fact = Preference(kind="fact", subject=slug(record.id)[:12], value=record.text[:300])
        await store.annotate(owner, record.id, {**fact.metadata(), "category": "fact"})
        return
    if len(prefs) == 1 or owner is None:
        meta = prefs[0].metadata()
        if owner is not None:
            meta["category"] = category_of(prefs[0])
        await store.annotate(owner, record.id, meta)
        return
    kept = {k: v for k, v in record.metadata.items() if k not in ("pref_key", "pref_value")}
    if record.created_at is not None:
        kept["created_at"] = record.created_at.isoformat()
    for pref in prefs:
        await store.add(
            owner,
            memory_text(pref),
            category=category_of(pref),
            run_id=record.run_id,
            metadata={**kept, **pref.metadata(), "upgraded_from": record.id},
        )
    await store.delete(owner, record.id)

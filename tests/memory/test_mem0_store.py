"""The memory layer on the real Mem0 + Qdrant stores: CRUD, ordering, isolation, forget."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from memory.mem0_store import Mem0Store
from memory.store import MemoryUnavailable
from tests.conftest import make_settings

ALICE = "console:alice"
BOB = "console:bob"


async def test_add_get_update_delete(store: Mem0Store) -> None:
    record = await store.add(
        ALICE,
        "Prefers lowercase tags",
        category="preference",
        metadata={"platform": "console", "channel": "c1"},
    )
    assert record.text == "Prefers lowercase tags"
    assert record.category == "preference"
    assert record.metadata["platform"] == "console"
    assert record.created_at is not None

    fetched = await store.get(ALICE, record.id)
    assert fetched is not None and fetched.text == record.text

    updated = await store.update(ALICE, record.id, "Prefers uppercase tags")
    assert updated is not None and updated.text == "Prefers uppercase tags"
    assert updated.category == "preference"

    assert await store.delete(ALICE, record.id) is True
    assert await store.get(ALICE, record.id) is None
    assert await store.delete(ALICE, record.id) is False


async def test_list_is_newest_first_and_paginated(store: Mem0Store) -> None:
    for i in range(7):
        await store.add(ALICE, f"Fact number {i}", category="fact")
    first = await store.list(ALICE, offset=0, limit=3)
    assert first.total == 7
    assert [r.text for r in first.items] == ["Fact number 6", "Fact number 5", "Fact number 4"]
    assert first.has_next and not first.has_previous
    last = await store.list(ALICE, offset=6, limit=3)
    assert [r.text for r in last.items] == ["Fact number 0"]
    assert not last.has_next and last.has_previous


async def test_search_finds_relevant_memory_of_that_user_only(store: Mem0Store) -> None:
    await store.add(ALICE, "Likes Rust programming content", category="preference")
    await store.add(ALICE, "Is allergic to peanuts", category="fact")
    await store.add(BOB, "Likes Rust programming content too", category="preference")
    hits = await store.search(ALICE, "rust", top_k=5)
    assert hits and hits[0].text == "Likes Rust programming content"
    assert all(h.user_id == ALICE for h in hits)


async def test_another_users_memory_is_not_found(store: Mem0Store) -> None:
    bobs = await store.add(BOB, "Bob's secret plan", category="fact")
    assert await store.get(ALICE, bobs.id) is None
    assert await store.update(ALICE, bobs.id, "hijacked") is None
    assert await store.delete(ALICE, bobs.id) is False
    still = await store.get(BOB, bobs.id)
    assert still is not None and still.text == "Bob's secret plan"


async def test_unknown_and_malformed_ids_are_not_found(store: Mem0Store) -> None:
    assert await store.get(ALICE, "00000000-0000-0000-0000-000000000000") is None
    assert await store.get(ALICE, "not-a-uuid") is None
    assert await store.delete(ALICE, "not-a-uuid") is False


async def test_session_scoped_search(store: Mem0Store) -> None:
    await store.add(ALICE, "Tagged an article about cats", category="interaction", run_id="s1")
    await store.add(ALICE, "Tagged an article about cats and dogs", category="interaction", run_id="s2")
    hits = await store.search(ALICE, "cats", run_id="s1", top_k=5)
    assert [h.run_id for h in hits] == ["s1"]


async def test_delete_all_removes_only_that_user_and_their_history(store: Mem0Store) -> None:
    for i in range(3):
        await store.add(ALICE, f"Alice marker zq{i}", category="fact")
    await store.add(BOB, "Bob stays", category="fact")
    assert await store.delete_all(ALICE) == 3
    assert (await store.list(ALICE)).total == 0
    assert [r.text for r in (await store.list(BOB)).items] == ["Bob stays"]
    db = store._mem0.db.db_path  # Mem0's history database (kept off, in memory, with pgvector)
    history = store._mem0.db.connection if db == ":memory:" else sqlite3.connect(db)
    rows = (
        history.execute(
            "SELECT COUNT(*) FROM history "
            "WHERE old_memory LIKE '%Alice marker%' OR new_memory LIKE '%Alice marker%'"
        )
        .fetchone()[0]
    )
    assert rows == 0


async def test_export_is_json_of_own_memories(store: Mem0Store) -> None:
    await store.add(ALICE, "Prefers hashtags", category="preference")
    await store.add(BOB, "Bob only", category="fact")
    document = await store.export(ALICE)
    assert json.loads(json.dumps(document))["count"] == 1
    assert [m["text"] for m in document["memories"]] == ["Prefers hashtags"]


async def test_concurrent_writes_and_searches(store: Mem0Store) -> None:
    users = [f"console:u{i}" for i in range(8)]

    async def work(user: str) -> None:
        for j in range(5):
            await store.add(user, f"{user} fact {j}", category="fact")
            await store.search(user, "fact", top_k=3)

    await asyncio.gather(*(work(u) for u in users))
    for user in users:
        page = await store.list(user, limit=50)
        assert page.total == 5
        assert all(r.user_id == user for r in page.items)


async def test_empty_text_is_rejected(store: Mem0Store) -> None:
    with pytest.raises(ValueError):
        await store.add(ALICE, "   ", category="fact")
    assert await store.search(ALICE, "   ") == []


async def test_close_waits_for_a_call_still_running_in_its_thread(tmp_path: Path) -> None:
    """A cancelled caller (the update worker stopping) leaves its thread running; closing Mem0's SQLite and
    the Edge shard under it used to crash the whole process. Close now waits, and later calls are refused."""
    from memory.client import build_mem0

    entered, release = threading.Event(), threading.Event()
    settings = make_settings(tmp_path / "data", memory_store="edge")
    mem0 = build_mem0(settings.store_config())

    def slow_query(text: str) -> list[float]:
        entered.set()
        release.wait(10)
        return list(mem0.embedding_model.embed(text, "search"))

    store = Mem0Store(mem0, embed_query=slow_query)
    await store.add(ALICE, "Likes Rust programming content", category="preference")
    search = asyncio.create_task(store.search(ALICE, "rust"))
    await asyncio.to_thread(entered.wait, 10)
    search.cancel()
    closing = asyncio.create_task(store.close())
    done, _ = await asyncio.wait({closing}, timeout=0.3)
    assert not done, "closed while a search was still reading the store"
    release.set()
    await closing
    with pytest.raises(MemoryUnavailable):
        await store.add(ALICE, "After the close", category="fact")

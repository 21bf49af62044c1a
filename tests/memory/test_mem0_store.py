"""The memory layer on the real Mem0 + Qdrant stores: CRUD, ordering, isolation, forget."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from memory.mem0_store import Mem0Store

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
    rows = history.execute(
        "SELECT COUNT(*) FROM history "
        "WHERE old_memory LIKE '%Alice marker%' OR new_memory LIKE '%Alice marker%'"
    ).fetchone()[0]
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


async def test_close_waits_for_a_call_still_running_in_its_thread(tmp_path: object) -> None:
    """A cancelled update leaves its thread running; closing Mem0's history under it crashed the process.

    The add below is held inside the embedder (the first thing it does) while `close` is asked for: the close
    must wait, and the add must then land, history row included."""
    import threading
    from pathlib import Path

    from memory.client import build_mem0
    from tests.conftest import make_settings

    assert isinstance(tmp_path, Path)
    mem0 = build_mem0(make_settings(tmp_path / "data").store_config())
    store = Mem0Store(mem0)
    inside, release = threading.Event(), threading.Event()
    inner = mem0.embedding_model.embed

    def held_embed(text: object, memory_action: object = None) -> list[float]:
        inside.set()
        release.wait(30)
        return inner(text, memory_action)  # type: ignore[arg-type]

    mem0.embedding_model.embed = held_embed  # type: ignore[method-assign]
    adding = asyncio.create_task(store.add(ALICE, "Prefers kebab-case tags", category="preference"))
    assert await asyncio.to_thread(inside.wait, 30)
    closing = asyncio.create_task(store.close())
    done, _ = await asyncio.wait({closing}, timeout=0.5)
    assert not done, "close did not wait for the add running in its thread"
    release.set()
    record = await adding
    await closing
    assert record.text == "Prefers kebab-case tags"
    history = sqlite3.connect(tmp_path / "data" / "history.db")
    try:
        rows = history.execute("SELECT new_memory FROM history WHERE memory_id = ?", (record.id,)).fetchall()
    finally:
        history.close()
    assert rows == [("Prefers kebab-case tags",)]

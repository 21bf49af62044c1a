"""One contract, two stores: `InMemoryStore` must behave as the real `Mem0Store` on Qdrant Edge does.

The core's fast tests run on the in-memory store; these assertions run unchanged on both, so the fake cannot
drift from the real thing (ordering, totals, metadata, isolation, forget, guidance). The guarantees
themselves (durability, history purge, compaction, hybrid search, every backend) are proven on the real
stores in `test_mem0_store.py`, `test_edge_store.py` and `test_edge_compaction.py`.

One store per kind for the whole module (building Mem0 on Edge is most of a test's cost); each test gets
people of its own, so tests cannot see one another's memories. Guidance is bot-wide, so its tests look only
at the lines they added.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from memory.in_memory_store import InMemoryStore
from memory.store import Compactable, InferringStore, MemoryStore, MemoryUnavailable
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["in-memory", "edge"])
async def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[MemoryStore]:
    if request.param == "in-memory":
        yield InMemoryStore()
        return
    from memory.client import build_mem0
    from memory.mem0_store import Mem0Store

    settings = make_settings(tmp_path_factory.mktemp("contract") / "data", memory_store="edge")
    real = Mem0Store(build_mem0(settings.store_config()))
    yield real
    await real.close()


@pytest.fixture
def alice() -> str:
    return f"console:alice-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def bob() -> str:
    return f"console:bob-{uuid.uuid4().hex[:8]}"


async def test_a_memory_round_trips_with_its_metadata(store: MemoryStore, alice: str) -> None:
    meta = {"platform": "console", "channel": "c1", "tags": ["rust", "async"], "pref_key": "tag.case"}
    record = await store.add(alice, "  Prefers lowercase tags ", category="preference", metadata=meta)
    assert record.text == "Prefers lowercase tags"
    assert (record.user_id, record.category, record.run_id) == (alice, "preference", None)
    assert record.metadata == meta
    assert record.created_at is not None and record.created_at.tzinfo is not None
    assert len(record.id) == 36  # a UUID: short ids in listings are its first characters

    fetched = await store.get(alice, f" {record.id} ")
    assert fetched is not None
    assert (fetched.text, fetched.metadata, fetched.created_at) == (record.text, meta, record.created_at)

    updated = await store.update(alice, record.id, "Prefers uppercase tags")
    assert updated is not None and updated.text == "Prefers uppercase tags"
    assert (updated.category, updated.metadata) == ("preference", meta)
    assert updated.updated_at is not None

    assert await store.delete(alice, record.id) is True
    assert await store.get(alice, record.id) is None
    assert await store.delete(alice, record.id) is False
    assert await store.update(alice, record.id, "back again") is None


async def test_a_returned_record_is_a_copy(store: MemoryStore, alice: str) -> None:
    record = await store.add(alice, "Likes tea", category="fact", metadata={"tags": ["tea"]})
    record.metadata["tags"].append("coffee")
    record.metadata["injected"] = True
    fetched = await store.get(alice, record.id)
    assert fetched is not None and fetched.metadata == {"tags": ["tea"]}


async def test_a_stated_date_dates_the_memory(store: MemoryStore, alice: str) -> None:
    """Upgrades re-add memories with their original `created_at`: the listing order must keep it."""
    old = await store.add(
        alice, "Said long ago", category="fact", metadata={"created_at": "2024-01-02T03:04:05+00:00"}
    )
    new = await store.add(alice, "Said now", category="fact")
    assert old.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert "created_at" not in old.metadata
    assert [r.text for r in await store.all(alice)] == [new.text, old.text]


async def test_list_is_newest_first_paginated_and_filtered(store: MemoryStore, alice: str) -> None:
    for i in range(7):
        await store.add(alice, f"Fact number {i}", category="interaction" if i % 3 == 0 else "fact")
    first = await store.list(alice, offset=0, limit=3)
    assert first.total == 7
    assert [r.text for r in first.items] == ["Fact number 6", "Fact number 5", "Fact number 4"]
    assert first.has_next and not first.has_previous
    last = await store.list(alice, offset=6, limit=3)
    assert [r.text for r in last.items] == ["Fact number 0"]
    assert not last.has_next and last.has_previous
    assert (await store.list(alice, offset=-4, limit=1)).offset == 0

    interactions = await store.list(alice, category="interaction", limit=10)
    assert interactions.total == 3
    assert [r.text for r in interactions.items] == ["Fact number 6", "Fact number 3", "Fact number 0"]
    assert [r.text for r in await store.all(alice, category="fact")] == [
        "Fact number 5", "Fact number 4", "Fact number 2", "Fact number 1",
    ]  # fmt: skip
    assert [r.text for r in await store.all(alice)] == [f"Fact number {i}" for i in range(6, -1, -1)]


async def test_search_ranks_the_persons_relevant_memory_first(
    store: MemoryStore, alice: str, bob: str
) -> None:
    await store.add(alice, "Likes Rust programming content", category="preference")
    await store.add(alice, "Is allergic to peanuts", category="fact")
    await store.add(bob, "Likes Rust programming content too", category="preference")
    hits = await store.search(alice, "rust", top_k=5)
    assert hits and hits[0].text == "Likes Rust programming content"
    assert all(h.user_id == alice for h in hits)
    assert all(h.score is not None for h in hits)
    assert len(await store.search(alice, "rust", top_k=1)) == 1
    assert await store.search(alice, "   ") == []


async def test_search_within_one_session(store: MemoryStore, alice: str) -> None:
    await store.add(alice, "Tagged an article about cats", category="interaction", run_id="s1")
    await store.add(alice, "Tagged an article about cats and dogs", category="interaction", run_id="s2")
    hits = await store.search(alice, "cats", run_id="s1", top_k=5)
    assert [(h.text, h.run_id) for h in hits] == [("Tagged an article about cats", "s1")]


async def test_nothing_reaches_another_persons_memories(store: MemoryStore, alice: str, bob: str) -> None:
    bobs = await store.add(bob, "Bob's secret plan", category="fact", metadata={"k": 1})
    assert await store.get(alice, bobs.id) is None
    assert await store.update(alice, bobs.id, "hijacked") is None
    assert await store.annotate(alice, bobs.id, {"k": 2}) is False
    assert await store.annotate(None, bobs.id, {"k": 3}) is False
    assert await store.delete(alice, bobs.id) is False
    assert await store.search(alice, "Bob's secret plan", top_k=10) == []
    assert (await store.list(alice)).total == 0
    assert await store.delete_all(alice) == 0
    assert (await store.export(alice))["memories"] == []
    still = await store.get(bob, bobs.id)
    assert still is not None and (still.text, still.metadata) == ("Bob's secret plan", {"k": 1})


async def test_unknown_blank_and_malformed_ids_are_not_found(store: MemoryStore, alice: str) -> None:
    await store.add(alice, "Something", category="fact")
    assert await store.get(alice, "00000000-0000-0000-0000-000000000000") is None
    assert await store.get(alice, "not-a-uuid") is None
    assert await store.get(alice, "  ") is None
    assert await store.delete(alice, "not-a-uuid") is False
    assert await store.delete(alice, "") is False


async def test_a_call_without_owner_or_text_is_refused(store: MemoryStore, alice: str) -> None:
    with pytest.raises(ValueError):
        await store.add(alice, "   ", category="fact")
    with pytest.raises(ValueError):
        await store.add("", "Whose is this?", category="fact")
    with pytest.raises(ValueError):
        await store.all("")
    with pytest.raises(ValueError):
        await store.search("", "anything")
    with pytest.raises(ValueError):
        await store.delete_all("")
    record = await store.add(alice, "Kept", category="fact")
    with pytest.raises(ValueError):
        await store.update(alice, record.id, "  ")
    assert await store.get("", record.id) is None
    with pytest.raises(ValueError):
        await store.add_heuristic("  ")


async def test_delete_all_removes_that_person_only(store: MemoryStore, alice: str, bob: str) -> None:
    for i in range(3):
        await store.add(alice, f"Alice marker zq{i}", category="fact")
    await store.add(bob, "Bob stays", category="fact")
    assert await store.delete_all(alice) == 3
    assert (await store.list(alice)).total == 0
    assert await store.search(alice, "Alice marker", top_k=10) == []
    assert [r.text for r in (await store.list(bob)).items] == ["Bob stays"]
    assert await store.delete_all(alice) == 0


async def test_export_is_json_of_own_memories(store: MemoryStore, alice: str, bob: str) -> None:
    await store.add(alice, "Prefers hashtags", category="preference", metadata={"pref_key": "tag.style"})
    await store.add(bob, "Bob only", category="fact")
    document = json.loads(json.dumps(await store.export(alice)))
    assert (document["user_id"], document["count"]) == (alice, 1)
    assert datetime.fromisoformat(document["exported_at"]).tzinfo is not None
    [memory] = document["memories"]
    assert (memory["text"], memory["category"], memory["metadata"]) == (
        "Prefers hashtags", "preference", {"pref_key": "tag.style"},
    )  # fmt: skip


async def test_annotate_sets_metadata_but_not_text_or_owner(store: MemoryStore, alice: str, bob: str) -> None:
    record = await store.add(alice, "Has a dog named Rex", category="fact", metadata={"a": 1})
    assert await store.annotate(
        alice, record.id, {"b": 2, "category": "preference", "data": "x", "user_id": bob}
    )
    after = await store.get(alice, record.id)
    assert after is not None
    assert (after.text, after.user_id, after.category) == ("Has a dog named Rex", alice, "preference")
    assert after.metadata == {"a": 1, "b": 2}
    assert await store.get(bob, record.id) is None
    assert await store.annotate(alice, "00000000-0000-0000-0000-000000000000", {"b": 3}) is False


async def test_guidance_is_nobodys_memory(store: MemoryStore, alice: str) -> None:
    mine = await store.add(alice, "Always include a #news tag myself", category="preference")
    first = await store.add_heuristic("Always include a #news tag", metadata={"pref_key": "tag.always"})
    second = await store.add_heuristic("Never use emoji in tags")
    assert (first.category, first.user_id, first.metadata) == ("heuristic", "", {"pref_key": "tag.always"})
    ours = [r.text for r in await store.heuristics() if r.id in {first.id, second.id}]
    assert ours == ["Always include a #news tag", "Never use emoji in tags"]  # oldest first

    assert [r.id for r in await store.all(alice)] == [mine.id]
    assert all(h.id == mine.id for h in await store.search(alice, "news tag", top_k=10))
    assert await store.get(alice, first.id) is None
    assert await store.delete(alice, first.id) is False
    assert await store.delete_heuristic(mine.id) is False  # a person's memory is not guidance

    assert await store.annotate(None, first.id, {"schema": 2})
    [annotated] = [r for r in await store.heuristics() if r.id == first.id]
    assert annotated.metadata == {"pref_key": "tag.always", "schema": 2}

    assert await store.delete_heuristic(f" {first.id} ")
    assert first.id not in {r.id for r in await store.heuristics()}
    assert await store.delete_heuristic(first.id) is False
    assert await store.get(alice, mine.id) is not None


async def test_scan_sees_everyone_and_the_guidance(store: MemoryStore, alice: str, bob: str) -> None:
    a = await store.add(alice, "Alice's", category="fact")
    b = await store.add(bob, "Bob's", category="interaction", run_id="s9")
    g = await store.add_heuristic("Prefer short tags")
    scanned = {r.id: r for r in await store.scan()}
    assert {a.id, b.id, g.id} <= scanned.keys()
    assert (scanned[a.id].user_id, scanned[b.id].user_id, scanned[g.id].user_id) == (alice, bob, "")
    assert scanned[b.id].run_id == "s9"
    await store.delete_heuristic(g.id)


async def test_concurrent_writes_and_searches_stay_with_their_owner(store: MemoryStore) -> None:
    users = [f"console:u{i}-{uuid.uuid4().hex[:6]}" for i in range(6)]

    async def work(user: str) -> None:
        for j in range(4):
            await store.add(user, f"{user} fact {j}", category="fact")
            assert all(h.user_id == user for h in await store.search(user, "fact", top_k=3))

    await asyncio.gather(*(work(u) for u in users))
    for user in users:
        page = await store.list(user, limit=50)
        assert page.total == 4
        assert all(r.user_id == user for r in page.items)


async def test_a_persons_lock_serialises_only_that_person(store: MemoryStore, alice: str, bob: str) -> None:
    order: list[str] = []

    async def second_writer() -> None:
        async with store.user_lock(alice):
            order.append("second")

    async with store.user_lock(alice):
        waiting = asyncio.create_task(second_writer())
        for _ in range(5):  # let the task run up to the lock
            await asyncio.sleep(0)
        assert not waiting.done()
        async with store.user_lock(bob):  # someone else is not held up
            order.append("bob")
        order.append("first")
    await waiting
    assert order == ["bob", "first", "second"]


async def test_forget_cached_queries_keeps_answers_the_same(store: MemoryStore, alice: str) -> None:
    await store.add(alice, "Collects vinyl records", category="fact")
    before = [h.id for h in await store.search(alice, "vinyl", top_k=3)]
    store.forget_cached_queries()
    assert [h.id for h in await store.search(alice, "vinyl", top_k=3)] == before


async def test_optional_abilities_are_declared(store: MemoryStore) -> None:
    """The core compacts and infers only where the store says it can; the fake can do neither."""
    real = not isinstance(store, InMemoryStore)
    assert isinstance(store, Compactable) is real
    assert isinstance(store, InferringStore) is real


async def test_a_closed_store_is_unavailable_not_broken(tmp_path_factory: pytest.TempPathFactory) -> None:
    """After `close` (a worker shutting down), a late write is `MemoryUnavailable`, which the update worker
    already retries later; never a crash or a different error per store. (Edge still answers a read after
    close; the in-memory store refuses reads too, the stricter of the two.)"""
    from memory.client import build_mem0
    from memory.mem0_store import Mem0Store

    settings = make_settings(tmp_path_factory.mktemp("closed") / "data", memory_store="edge")
    for closed in (InMemoryStore(), Mem0Store(build_mem0(settings.store_config()))):
        await closed.add("console:carol", "Before the close", category="fact")
        await closed.close()
        with pytest.raises(MemoryUnavailable):
            await closed.add("console:carol", "After the close", category="fact")

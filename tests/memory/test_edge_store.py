"""EdgeVectorStore on a real Qdrant Edge shard in a temporary directory, called as Mem0 2.2.1 calls it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from mem0.memory.main import _vector_store_list_rows

from memory.edge_store import EdgeVectorStore, StoredPoint, StoreLocked

DIMS = 8
REPO = Path(__file__).resolve().parents[2]


def axis(i: int, lean: int | None = None) -> list[float]:
    """A unit-ish vector along axis `i`, optionally leaning a little towards axis `lean`."""
    vector = [0.0] * DIMS
    vector[i] = 1.0
    if lean is not None:
        vector[lean] = 0.3
    return vector


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EdgeVectorStore]:
    edge = EdgeVectorStore(tmp_path / "edge", "memories", DIMS)
    yield edge
    edge.close()


def names(points: list[StoredPoint]) -> set[str]:
    return {p.payload["name"] for p in points}


# -- Mem0's CRUD call patterns ---------------------------------------------------------------------------


def test_insert_then_get_returns_string_id_and_payload(store: EdgeVectorStore) -> None:
    memory_id = new_id()
    payload = {"data": "likes tea", "user_id": "alice", "created_at": "2025-01-02T03:04:05+00:00"}
    store.insert(vectors=[axis(0)], ids=[memory_id], payloads=[payload])

    got = store.get(vector_id=memory_id)

    assert got is not None
    assert got.id == memory_id and isinstance(got.id, str)
    assert got.payload == payload


def test_get_unknown_or_malformed_id_is_none(store: EdgeVectorStore) -> None:
    assert store.get(vector_id=new_id()) is None
    assert store.get(vector_id="not-a-uuid") is None
    store.delete(vector_id="not-a-uuid")  # a no-op, like deleting an unknown id


def test_insert_without_ids_assigns_uuids(store: EdgeVectorStore) -> None:
    store.insert(vectors=[axis(0), axis(1)], payloads=[{"n": 1}, {"n": 2}])

    points, _ = store.list()

    assert sorted(p.payload["n"] for p in points) == [1, 2]
    assert all(uuid.UUID(str(p.id)) for p in points)


def test_insert_rejects_mismatched_lengths(store: EdgeVectorStore) -> None:
    with pytest.raises(ValueError, match="payloads"):
        store.insert(vectors=[axis(0)], payloads=[{}, {}])


def test_update_with_vector_and_payload_replaces_both(store: EdgeVectorStore) -> None:
    memory_id = new_id()
    store.insert(vectors=[axis(0)], ids=[memory_id], payloads=[{"data": "old", "user_id": "a", "extra": 1}])

    store.update(vector_id=memory_id, vector=axis(5), payload={"data": "new", "user_id": "a"})

    got = store.get(memory_id)
    assert got is not None and got.payload == {"data": "new", "user_id": "a"}
    top = store.search(query="", vectors=axis(5), top_k=1)
    assert top[0].id == memory_id and top[0].score == pytest.approx(1.0)


def test_update_payload_only_merges_keys_like_mem0_entity_updates(store: EdgeVectorStore) -> None:
    memory_id = new_id()
    store.insert(
        vectors=[axis(0)], ids=[memory_id], payloads=[{"data": "Berlin", "linked_memory_ids": ["m1"]}]
    )

    store.update(vector_id=memory_id, vector=None, payload={"linked_memory_ids": ["m1", "m2"]})

    got = store.get(memory_id)
    assert got is not None and got.payload == {"data": "Berlin", "linked_memory_ids": ["m1", "m2"]}
    assert store.search("", axis(0), top_k=1)[0].id == memory_id  # vector untouched


def test_update_payload_text_refreshes_keyword_index(store: EdgeVectorStore) -> None:
    memory_id = new_id()
    store.insert(vectors=[axis(0)], ids=[memory_id], payloads=[{"data": "plays the violin"}])

    store.update(vector_id=memory_id, payload={"data": "plays the trombone"})

    assert store.keyword_search("violin") == []
    assert [p.id for p in store.keyword_search("trombone") or []] == [memory_id]


def test_update_vector_only(store: EdgeVectorStore) -> None:
    memory_id = new_id()
    store.insert(vectors=[axis(0)], ids=[memory_id], payloads=[{"data": "x"}])

    store.update(vector_id=memory_id, vector=axis(3))

    assert store.search("", axis(3), top_k=1)[0].score == pytest.approx(1.0)
    got = store.get(memory_id)
    assert got is not None and got.payload == {"data": "x"}


def test_delete_removes_the_point(store: EdgeVectorStore) -> None:
    keep, gone = new_id(), new_id()
    store.insert(vectors=[axis(0), axis(1)], ids=[keep, gone], payloads=[{"data": "a"}, {"data": "b"}])

    store.delete(vector_id=gone)
    store.delete(vector_id=new_id())  # unknown: no error

    assert store.get(gone) is None
    assert store.get(keep) is not None
    assert store.count() == 1


def test_list_filters_limits_and_unwraps_the_way_mem0_reads_it(store: EdgeVectorStore) -> None:
    alice = [new_id() for _ in range(5)]
    store.insert(vectors=[axis(i) for i in range(5)], ids=alice, payloads=[{"user_id": "alice"}] * 5)
    store.insert(vectors=[axis(6)], payloads=[{"user_id": "bob"}])

    listed = store.list(filters={"user_id": "alice"}, top_k=3)
    rows = _vector_store_list_rows(listed)  # how Memory.get_all / delete_all / entity lookups unwrap it
    rest, next_offset = store.list(filters={"user_id": "alice"}, top_k=10)

    assert len(rows) == 3 and {r.payload["user_id"] for r in rows} == {"alice"}
    assert listed[1] is not None
    assert sorted(str(r.id) for r in rest) == sorted(alice) and next_offset is None
    assert _vector_store_list_rows(store.list(filters={"user_id": "nobody"})) == []


def test_search_with_user_filter_returns_only_that_users_points(store: EdgeVectorStore) -> None:
    for user in ("alice", "bob", "carol"):
        store.insert(
            vectors=[axis(i) for i in range(4)],
            payloads=[{"user_id": user, "data": f"{user} fact {i}"} for i in range(4)],
        )

    hits = store.search(query="fact", vectors=axis(2), top_k=10, filters={"user_id": "bob"})

    assert len(hits) == 4
    assert {h.payload["user_id"] for h in hits} == {"bob"}
    assert hits[0].payload["data"] == "bob fact 2" and hits[0].score == pytest.approx(1.0)
    assert all(isinstance(h.id, str) for h in hits)
    scores = [h.score or 0.0 for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_search_batch_answers_each_vector(store: EdgeVectorStore) -> None:
    store.insert(
        vectors=[axis(0), axis(1)],
        payloads=[{"name": "zero", "user_id": "u"}, {"name": "one", "user_id": "u"}],
    )

    results = store.search_batch(["a", "b"], [axis(1), axis(0)], top_k=1, filters={"user_id": "u"})

    assert [[p.payload["name"] for p in r] for r in results] == [["one"], ["zero"]]
    assert store.search_batch([], [], top_k=1) == []


# -- filters -----------------------------------------------------------------------------------------------

FILTER_POINTS: list[dict[str, Any]] = [
    {
        "name": "a",
        "user_id": "u1",
        "n": 1,
        "w": 0.5,
        "at": "2025-01-01T00:00:00Z",
        "tags": ["x"],
        "note": "Likes Green Tea",
    },
    {
        "name": "b",
        "user_id": "u1",
        "n": 2,
        "w": 1.5,
        "at": "2025-02-01T00:00:00Z",
        "tags": ["y"],
        "note": "hates coffee",
    },
    {
        "name": "c",
        "user_id": "u2",
        "n": 3,
        "w": 2.5,
        "at": "2025-03-01T00:00:00Z",
        "tags": ["x", "y"],
        "note": "green",
    },
    {
        "name": "d",
        "user_id": "u2",
        "n": 4,
        "w": 3.5,
        "at": "2025-04-01T00:00:00Z",
        "tags": [],
        "note": "tea time",
    },
    {"name": "e", "user_id": "u3", "n": 5, "w": 4.5, "at": "2025-05-01T00:00:00Z", "tags": ["z"]},
]


@pytest.fixture(scope="module")
def filter_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeVectorStore]:
    """One store for the read-only filter cases."""
    edge = EdgeVectorStore(tmp_path_factory.mktemp("filters"), "memories", DIMS)
    payloads = [{**p, "data": p.get("note", "")} for p in FILTER_POINTS]
    edge.insert(vectors=[axis(i) for i in range(len(FILTER_POINTS))], payloads=payloads)
    yield edge
    edge.close()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"user_id": "u1"}, "ab"),
        ({"user_id": {"eq": "u2"}}, "cd"),
        ({"user_id": {"ne": "u1"}}, "cde"),
        ({"user_id": ["u1", "u3"]}, "abe"),
        ({"user_id": {"in": ["u1", "u3"]}}, "abe"),
        ({"user_id": {"nin": ["u1", "u3"]}}, "cd"),
        ({"n": {"in": [2, 4]}}, "bd"),
        ({"n": {"nin": [2, 4]}}, "ace"),
        ({"n": 3}, "c"),
        ({"w": 2.5}, "c"),
        ({"n": {"gt": 2}}, "cde"),
        ({"n": {"gte": 2, "lt": 4}}, "bc"),
        ({"n": {"lte": 2}}, "ab"),
        ({"w": {"gt": 1.0, "lte": 3.5}}, "bcd"),
        ({"n": {"gte": 2, "ne": 3}}, "bde"),  # Mem0 merges AND-ed operators on one key into one dict
        ({"at": {"gte": "2025-02-01T00:00:00Z", "lt": "2025-04-01T00:00:00Z"}}, "bc"),
        ({"at": {"gt": "2025-03-15"}}, "de"),
        ({"tags": "x"}, "ac"),
        ({"note": {"contains": "Green"}}, "a"),
        ({"note": {"contains": "green"}}, "c"),
        ({"note": {"icontains": "green"}}, "ac"),
        ({"note": {"icontains": "TEA"}}, "ad"),
        ({"note": "*"}, "abcd"),
        ({"user_id": "*"}, "abcde"),
        ({"AND": [{"user_id": "u2"}, {"n": {"gt": 3}}]}, "d"),
        ({"$and": [{"user_id": "u1"}, {"n": 2}]}, "b"),
        ({"OR": [{"user_id": "u3"}, {"n": 1}]}, "ae"),
        ({"$or": [{"n": 2}, {"n": 4}]}, "bd"),
        ({"OR": [{"n": 2}], "$or": [{"n": 2}]}, "b"),  # Mem0 passes both spellings; evaluated once
        ({"NOT": [{"user_id": "u1"}]}, "cde"),
        ({"$not": [{"n": 1}, {"n": 5}]}, "bcd"),
        ({"user_id": "u2", "NOT": [{"tags": "y"}]}, "d"),
        ({"OR": [{"AND": [{"user_id": "u1"}, {"n": 2}]}, {"NOT": [{"n": {"lte": 4}}]}]}, "be"),
        ({"OR": [{"user_id": "*"}]}, "abcde"),
        ({}, "abcde"),
    ],
)
def test_filter_translation(filter_store: EdgeVectorStore, filters: dict[str, Any], expected: str) -> None:
    listed, _ = filter_store.list(filters=filters, top_k=100)
    searched = filter_store.search("", axis(0), top_k=100, filters=filters)
    keyword = filter_store.keyword_search("tea coffee green", top_k=100, filters=filters) or []

    assert names(listed) == set(expected)
    assert names(searched) == set(expected)
    assert filter_store.count(filters) == len(expected)
    assert names(keyword) <= set(expected)


@pytest.mark.parametrize(
    "filters",
    [
        {"n": {"regex": "x"}},
        {"OR": {"n": 1}},
        {"AND": ["n"]},
        {"n": {"in": "u1"}},
        {"at": {"gt": "yesterday"}},
        {"n": {"gt": 1, "lt": "2025-01-01"}},
    ],
)
def test_bad_filters_raise_value_error(filter_store: EdgeVectorStore, filters: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        filter_store.search("", axis(0), top_k=1, filters=filters)


# -- keyword and hybrid search -----------------------------------------------------------------------------


def seed_foods(store: EdgeVectorStore) -> dict[str, str]:
    texts = {
        "peanuts": "I am allergic to peanuts",
        "pizza": "My favourite food is pizza",
        "cat": "I have a cat called Miso",
        "bob_peanuts": "Bob is allergic to peanuts too",
    }
    ids = {key: new_id() for key in texts}
    users = {"peanuts": "alice", "pizza": "alice", "cat": "alice", "bob_peanuts": "bob"}
    vectors = {"peanuts": axis(0), "pizza": axis(1), "cat": axis(2), "bob_peanuts": axis(0)}
    store.insert(
        vectors=[vectors[k] for k in texts],
        ids=[ids[k] for k in texts],
        payloads=[{"data": texts[k], "user_id": users[k]} for k in texts],
    )
    return ids


def test_keyword_search_stems_peanut_allergy_to_allergic_to_peanuts(store: EdgeVectorStore) -> None:
    ids = seed_foods(store)

    hits = store.keyword_search("peanut allergy", top_k=5, filters={"user_id": "alice"})

    assert hits is not None
    assert [h.id for h in hits] == [ids["peanuts"]]
    assert hits[0].payload["data"] == "I am allergic to peanuts"
    assert hits[0].score is not None and hits[0].score > 0


def test_keyword_search_of_only_stopwords_finds_nothing(store: EdgeVectorStore) -> None:
    seed_foods(store)

    assert store.keyword_search("the and of", top_k=5) == []


def test_keyword_search_is_unsupported_when_not_hybrid(tmp_path: Path) -> None:
    plain = EdgeVectorStore(tmp_path, "plain", DIMS, hybrid=False)
    try:
        seed_foods(plain)
        assert plain.keyword_search("peanut", top_k=5) is None
        hits = plain.hybrid_search(
            "peanut", axis(1), top_k=1, filters={"user_id": "alice"}, with_similarity=True
        )
        assert hits[0].payload["data"] == "My favourite food is pizza"
        assert hits[0].similarity == pytest.approx(1.0)
    finally:
        plain.close()


def test_hybrid_search_fuses_dense_and_keyword_ranks(store: EdgeVectorStore) -> None:
    ids = seed_foods(store)
    # The query vector is nearest to "cat", then "pizza", then "peanuts" (orthogonal).
    towards_cat = [0.0] * DIMS
    towards_cat[2], towards_cat[1] = 1.0, 0.9

    dense_only = store.search("", towards_cat, top_k=3, filters={"user_id": "alice"})
    food = store.hybrid_search(
        "favourite food", towards_cat, top_k=3, filters={"user_id": "alice"}, with_similarity=True
    )
    peanut = store.hybrid_search("peanut", towards_cat, top_k=3, filters={"user_id": "alice"})

    assert [h.id for h in dense_only] == [ids["cat"], ids["pizza"], ids["peanuts"]]
    # A keyword hit lifts the second-nearest point to the top, and even an orthogonal one above the nearest.
    assert [h.id for h in food] == [ids["pizza"], ids["cat"], ids["peanuts"]]
    assert peanut[0].id == ids["peanuts"]
    assert all(h.payload["user_id"] == "alice" for h in food + peanut)
    by_id = {h.id: h for h in food}
    assert by_id[ids["peanuts"]].similarity == pytest.approx(0.0, abs=1e-6)
    assert by_id[ids["cat"]].similarity == pytest.approx(1.0 / 1.81**0.5, rel=1e-4)
    assert food[0].score is not None and food[1].score is not None and food[0].score > food[1].score


def test_hybrid_search_with_no_keyword_terms_is_dense(store: EdgeVectorStore) -> None:
    ids = seed_foods(store)

    hits = store.hybrid_search("the", axis(2), top_k=1, filters={"user_id": "alice"})

    assert [h.id for h in hits] == [ids["cat"]]


def test_hybrid_store_backfills_bm25_for_points_written_without_it(tmp_path: Path) -> None:
    plain = EdgeVectorStore(tmp_path, "memories", DIMS, hybrid=False)
    seed_foods(plain)
    plain.close()

    hybrid = EdgeVectorStore(tmp_path, "memories", DIMS, hybrid=True)
    try:
        hits = hybrid.keyword_search("peanut", top_k=5, filters={"user_id": "alice"})
        assert hits is not None and [h.payload["data"] for h in hits] == ["I am allergic to peanuts"]
    finally:
        hybrid.close()


# -- delete by filter, collections ----------------------------------------------------------------------


def test_delete_by_filter_removes_one_users_points_only(store: EdgeVectorStore) -> None:
    for user in ("alice", "bob"):
        store.insert(vectors=[axis(i) for i in range(3)], payloads=[{"user_id": user}] * 3)

    removed = store.delete_by_filter({"user_id": "alice"})

    assert removed == 3
    assert store.count({"user_id": "alice"}) == 0
    assert store.count({"user_id": "bob"}) == 3
    assert store.search("", axis(0), top_k=10, filters={"user_id": "alice"}) == []


def test_delete_by_filter_refuses_an_empty_filter(store: EdgeVectorStore) -> None:
    store.insert(vectors=[axis(0)], payloads=[{"user_id": "alice"}])

    with pytest.raises(ValueError, match="reset"):
        store.delete_by_filter({})
    assert store.count() == 1


def test_reset_empties_the_collection_and_keeps_it_usable(store: EdgeVectorStore) -> None:
    store.insert(vectors=[axis(0)], payloads=[{"user_id": "alice", "data": "tea"}])

    store.reset()

    assert store.count() == 0
    store.insert(vectors=[axis(1)], payloads=[{"user_id": "alice", "data": "coffee"}])
    assert [h.payload["data"] for h in store.search("", axis(1), top_k=5)] == ["coffee"]
    assert store.col_info()["payload_schema"]["user_id"] == "keyword"


def test_collections_info_and_delete(tmp_path: Path) -> None:
    store = EdgeVectorStore(tmp_path, "memories", DIMS)
    try:
        store.create_col("memories_entities", DIMS)
        store.insert(vectors=[axis(0)], payloads=[{"user_id": "a"}])

        info = store.col_info()
        assert store.list_cols() == ["memories", "memories_entities"]
        assert info["points_count"] == 1 and info["vector_size"] == DIMS
        assert set(info["payload_schema"]) == {"user_id", "agent_id", "run_id", "actor_id"}

        store.delete_col()
        assert store.list_cols() == ["memories_entities"]
        assert store.count() == 0  # the next call starts the collection anew
        assert "memories" in store.list_cols()
        with pytest.raises(ValueError, match="cosine"):
            store.create_col("other", DIMS, "euclid")
    finally:
        store.close()
        EdgeVectorStore(tmp_path, "memories_entities", DIMS).close()


def test_opening_with_other_dimensions_fails_clearly(tmp_path: Path) -> None:
    EdgeVectorStore(tmp_path, "memories", DIMS).close()

    with pytest.raises(ValueError, match="dimension"):
        EdgeVectorStore(tmp_path, "memories", DIMS * 2)


def test_compact_vacuums_deleted_points(store: EdgeVectorStore) -> None:
    ids = [new_id() for _ in range(20)]
    store.insert(
        vectors=[axis(i % DIMS) for i in range(20)],
        ids=ids,
        payloads=[{"user_id": "a", "data": f"secret-{i}"} for i in range(20)],
    )
    store.flush()
    segments = store.path / store.collection_name / "segments"

    def on_disk() -> bool:
        return any(b"secret-0" in f.read_bytes() for f in segments.rglob("*") if f.is_file())

    assert on_disk()
    store.delete(ids[0])

    assert store.compact() is True
    assert store.count() == 19
    assert store.get(ids[0]) is None
    assert not on_disk()


# -- sharing and lifecycle within one process ---------------------------------------------------------


def test_stores_on_one_directory_share_the_shard(tmp_path: Path) -> None:
    first = EdgeVectorStore(tmp_path, "memories", DIMS)
    second = EdgeVectorStore(tmp_path, "memories", DIMS)
    try:
        first.insert(vectors=[axis(0)], payloads=[{"data": "shared"}])
        assert second.count() == 1

        first.close()  # releases the directory for both; either reopens on its next call
        assert second.count() == 1
        assert first.search("", axis(0), top_k=1)[0].payload == {"data": "shared"}

        second.close()
        first.count()  # reopened by `first`: `second` still holds the stale, closed handle
        second.close()  # ... and still closes what is open now
        assert second.list_cols() == ["memories"]
        second.delete_col()  # from a closed handle too: opens, then deletes
        assert second.list_cols() == []
    finally:
        second.close()


# -- other processes ------------------------------------------------------------------------------------


def python(code: str) -> list[str]:
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r})\n{code}"]


def test_points_persist_across_processes(tmp_path: Path) -> None:
    memory_id = new_id()
    write = f"""
from pathlib import Path
from memory.edge_store import EdgeVectorStore
s = EdgeVectorStore(Path({str(tmp_path)!r}), "memories", {DIMS})
s.insert([[1.0] + [0.0] * {DIMS - 1}], [{{"data": "persisted", "user_id": "a"}}], [{memory_id!r}])
s.close()
"""
    read = f"""
import json
from pathlib import Path
from memory.edge_store import EdgeVectorStore
s = EdgeVectorStore(Path({str(tmp_path)!r}), "memories", {DIMS})
p = s.get({memory_id!r})
print(json.dumps(p.payload if p else None))
"""
    subprocess.run(python(write), check=True, timeout=60)
    out = subprocess.run(python(read), check=True, timeout=60, capture_output=True, text=True).stdout

    assert json.loads(out.strip().splitlines()[-1]) == {"data": "persisted", "user_id": "a"}


def test_a_write_survives_sigkill(tmp_path: Path) -> None:
    memory_id = new_id()
    code = f"""
from pathlib import Path
from memory.edge_store import EdgeVectorStore
s = EdgeVectorStore(Path({str(tmp_path)!r}), "memories", {DIMS})
s.insert(vectors=[[1.0] + [0.0] * {DIMS - 1}], ids=[{memory_id!r}], payloads=[{{"data": "crash-safe"}}])
print("written", flush=True)
sys.stdin.read()  # wait to be killed, no flush, no close
"""
    proc = subprocess.Popen(python(code), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "written"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    reopened = EdgeVectorStore(tmp_path, "memories", DIMS)
    try:
        got = reopened.get(memory_id)
        assert got is not None and got.payload == {"data": "crash-safe"}
    finally:
        reopened.close()


def test_second_process_on_the_same_directory_fails_with_store_locked(store: EdgeVectorStore) -> None:
    code = f"""
from pathlib import Path
from memory.edge_store import EdgeVectorStore, StoreLocked
try:
    EdgeVectorStore(Path({str(store.path)!r}), "memories", {DIMS})
except StoreLocked as exc:
    print("StoreLocked:", exc)
else:
    print("opened")
"""
    out = subprocess.run(python(code), check=True, timeout=60, capture_output=True, text=True).stdout.strip()

    assert out.startswith("StoreLocked:")
    assert f"pid {os.getpid()}" in out
    assert str(store.path / "memories") in out
    assert "Another memorybot process" in out and "MEMORYBOT_DATA_DIR" in out


def test_store_locked_is_a_runtime_error_not_memory_unavailable() -> None:
    from memory.store import MemoryUnavailable

    assert issubclass(StoreLocked, RuntimeError)
    assert not issubclass(StoreLocked, MemoryUnavailable)


# -- threads --------------------------------------------------------------------------------------------


def test_concurrent_writes_searches_and_lifecycle_from_many_threads(store: EdgeVectorStore) -> None:
    users = [f"user-{i}" for i in range(8)]
    per_thread = 40
    errors: list[BaseException] = []
    start = threading.Barrier(len(users) + 2)

    def writer(user: str) -> None:
        start.wait()
        for i in range(per_thread):
            memory_id = new_id()
            store.insert(
                vectors=[axis(i % DIMS)], ids=[memory_id], payloads=[{"user_id": user, "data": f"fact {i}"}]
            )
            if i % 5 == 0:
                store.update(vector_id=memory_id, payload={"data": f"fact {i} revised", "user_id": user})
            hits = store.search("", axis(i % DIMS), top_k=5, filters={"user_id": user})
            assert hits and {h.payload["user_id"] for h in hits} == {user}
            keyword = store.keyword_search("fact", top_k=5, filters={"user_id": user})
            assert keyword is not None and {h.payload["user_id"] for h in keyword} == {user}
            store.hybrid_search("fact", axis(1), top_k=3, filters={"user_id": user})
            store.list(filters={"user_id": user}, top_k=10)

    def counter() -> None:
        start.wait()
        for _ in range(100):
            store.count({"user_id": users[0]})

    def closer() -> None:
        start.wait()
        for _ in range(3):
            store.flush()
            store.close()  # every other thread must carry on through a close and reopen

    def guarded(fn: Any, *args: object) -> None:
        try:
            fn(*args)
        except BaseException as exc:
            errors.append(exc)
            start.abort()

    with ThreadPoolExecutor(max_workers=len(users) + 2) as pool:
        for user in users:
            pool.submit(guarded, writer, user)
        pool.submit(guarded, counter)
        pool.submit(guarded, closer)

    assert errors == []
    assert store.count() == len(users) * per_thread
    assert all(store.count({"user_id": u}) == per_thread for u in users)

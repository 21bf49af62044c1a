"""Migration round trip: Qdrant Edge → Mem0's Qdrant store in qdrant-client local mode → a new Edge store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mem0.vector_stores.qdrant import Qdrant

from memory.edge_store import EdgeVectorStore, PointRow
from memory.migrate import copy_points, read_points

DIMS = 16
USERS = ("alice", "bob", "carol")


def unit_vectors(n: int) -> list[list[float]]:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((n, DIMS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [[float(x) for x in v] for v in vectors]


def mem0_payload(i: int) -> dict[str, Any]:
    text = "allergic to peanuts" if i == 0 else f"fact number {i} about café ☕"
    return {
        "data": text,
        "hash": f"{i:032x}",
        "user_id": USERS[i % len(USERS)],
        "run_id": None if i % 2 else f"run-{i}",
        "created_at": f"2025-01-01T00:00:{i % 60:02d}+00:00",
        "category": "fact",
        "tags": ["a", "b"] if i % 3 == 0 else [],
        "nested": {"n": i, "ok": i % 2 == 0},
    }


def by_id(rows: Iterator[PointRow]) -> dict[str, tuple[list[float], dict[str, Any]]]:
    return {str(point_id): (vector, payload) for point_id, vector, payload in rows}


def assert_same_points(
    actual: dict[str, tuple[list[float], dict[str, Any]]],
    expected: dict[str, tuple[list[float], dict[str, Any]]],
) -> None:
    assert actual.keys() == expected.keys()
    for point_id, (vector, payload) in expected.items():
        assert actual[point_id][1] == payload
        assert actual[point_id][0] == pytest.approx(vector, abs=1e-6)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[EdgeVectorStore]:
    edge = EdgeVectorStore(tmp_path / "edge-a", "memories", DIMS)
    total = 600
    edge.insert(
        vectors=unit_vectors(total),
        payloads=[mem0_payload(i) for i in range(total)],
        ids=[str(uuid.uuid4()) for _ in range(total)],
    )
    yield edge
    edge.close()


@pytest.fixture
def local_qdrant(tmp_path: Path) -> Iterator[Any]:
    store = Qdrant(collection_name="memories", embedding_model_dims=DIMS, path=str(tmp_path / "qdrant-local"))
    yield store
    store.client.close()


def test_round_trip_edge_to_qdrant_local_to_edge_keeps_everything(
    source: EdgeVectorStore, local_qdrant: Any, tmp_path: Path
) -> None:
    original = by_id(source.iter_points())
    progress: list[int] = []

    copied_out = copy_points(source, local_qdrant, on_progress=progress.append)

    assert copied_out == 600
    assert progress == [256, 512, 600]
    assert local_qdrant.client.count(collection_name="memories").count == 600
    assert_same_points(by_id(read_points(local_qdrant, batch=100)), original)

    target = EdgeVectorStore(tmp_path / "edge-b", "memories", DIMS)
    try:
        copied_back = copy_points(local_qdrant, target, batch=128)

        assert copied_back == 600
        assert_same_points(by_id(target.iter_points(batch=50)), original)
        # The destination rebuilt its own indexes: filtered and keyword search work on the copy.
        assert target.count({"user_id": "alice"}) == 200
        hits = target.keyword_search("peanut allergy", top_k=3, filters={"user_id": "alice"})
        assert hits is not None and [h.payload["data"] for h in hits] == ["allergic to peanuts"]
        query = next(iter(original.values()))[0]
        assert [h.id for h in target.search("", query, 5, {"user_id": "bob"})] == [
            h.id for h in source.search("", query, 5, {"user_id": "bob"})
        ]
    finally:
        target.close()


def test_copying_twice_overwrites_instead_of_duplicating(source: EdgeVectorStore, tmp_path: Path) -> None:
    target = EdgeVectorStore(tmp_path / "edge-b", "memories", DIMS)
    try:
        copy_points(source, target)
        copy_points(source, target, batch=1000)

        assert target.count() == source.count() == 600
    finally:
        target.close()


def test_empty_source_copies_nothing(tmp_path: Path, local_qdrant: Any) -> None:
    empty = EdgeVectorStore(tmp_path / "empty", "memories", DIMS)
    progress: list[int] = []
    try:
        assert copy_points(empty, local_qdrant, on_progress=progress.append) == 0
        assert progress == []
    finally:
        empty.close()


def test_unreadable_source_and_bad_batch_are_refused(source: EdgeVectorStore) -> None:
    with pytest.raises(TypeError, match="cannot read vectors"):
        read_points(object())
    with pytest.raises(ValueError, match="batch"):
        copy_points(source, source, batch=0)


def test_edge_to_pgvector_twice_keeps_everything_once(source: EdgeVectorStore, pgvector_url: str) -> None:
    from memory.pgvector_store import PgVectorStore

    target = PgVectorStore(pgvector_url, "memories", DIMS)
    try:
        assert copy_points(source, target) == 600
        assert copy_points(source, target, batch=1000) == 600  # `memorybot migrate` run again
        with target._get_cursor() as cur:
            cur.execute(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE payload->>'user_id' = 'alice') FROM memories"
            )
            assert cur.fetchone() == (600, 200)
        original = by_id(source.iter_points())
        copied = target.get(next(iter(original)))
        assert copied is not None and copied.payload == original[copied.id][1]
        query = next(iter(original.values()))[0]
        assert [h.id for h in target.search("", query, 5, {"user_id": "bob"})] == [
            str(h.id) for h in source.search("", query, 5, {"user_id": "bob"})
        ]
        hits = target.hybrid_search("peanut allergy", query, 3, {"user_id": "alice"})
        assert "allergic to peanuts" in [h.payload["data"] for h in hits]
    finally:
        target.close()

"""Compaction in a child process: searches go on, writes wait and are kept, deleted text leaves the files,
and a crash in the middle of the swap leaves one complete shard."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from memory.edge import compaction
from memory.edge.shards import pending_marker, staging_directory
from memory.edge_store import EdgeVectorStore

DIMS = 8


def axis(i: int) -> list[float]:
    return [1.0 if j == i % DIMS else 0.0 for j in range(DIMS)]


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)  # polling a condition with a deadline, not a sleep standing in for one


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EdgeVectorStore]:
    edge = EdgeVectorStore(tmp_path, "memories", DIMS)
    yield edge
    edge.close()


def fill(store: EdgeVectorStore, count: int, text: str = "note") -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    store.insert(
        vectors=[axis(i) for i in range(count)],
        ids=ids,
        payloads=[{"user_id": f"u{i % 3}", "data": f"{text}-{i}"} for i in range(count)],
    )
    return ids


def test_deleting_marks_the_store_until_compacted_even_across_restarts(tmp_path: Path) -> None:
    store = EdgeVectorStore(tmp_path, "memories", DIMS)
    ids = fill(store, 5)
    assert not store.needs_compaction, "adding new memories leaves nothing to compact"

    store.delete(ids[0])
    assert store.needs_compaction
    store.close()

    reopened = EdgeVectorStore(tmp_path, "memories", DIMS)
    try:
        assert reopened.needs_compaction, "a restart must not forget that deleted text is still on disk"
        reopened.compact()
        assert not reopened.needs_compaction
        assert not pending_marker(tmp_path / "memories").exists()
    finally:
        reopened.close()


def test_overwriting_a_memory_marks_the_store(store: EdgeVectorStore) -> None:
    ids = fill(store, 2)
    store.update(ids[0], payload={"data": "rewritten"})
    assert store.needs_compaction


def test_compaction_removes_deleted_text_from_every_file(store: EdgeVectorStore) -> None:
    ids = fill(store, 30, text="wallaby")
    store.flush()
    directory = store.path / store.collection_name
    assert files_containing(directory, b"wallaby-7")

    store.delete(ids[7])
    assert store.compact() is True

    assert files_containing(directory, b"wallaby-7") == []
    assert files_containing(directory, b"wallaby-8"), "the memories kept are still on disk"
    assert store.count() == 29
    assert store.get(ids[7]) is None
    assert store.search("", axis(8), top_k=1, filters={"user_id": "u2"})[0].id == ids[8]
    assert not staging_directory(directory).exists()


@pytest.mark.parametrize("hybrid", [False, True])
def test_memories_from_before_a_compaction_can_still_be_changed_and_deleted(
    tmp_path: Path, hybrid: bool
) -> None:
    """A compacted shard must number new operations above its points' versions, or Edge ignores them."""
    store = EdgeVectorStore(tmp_path, "memories", DIMS, hybrid=hybrid)
    ids = fill(store, 6, text="kept")
    store.delete(ids[0])
    assert store.compact()
    store.update(vector_id=ids[1], payload={"user_id": "u1", "data": "changed"})
    store.delete(ids[2])
    got = store.get(ids[1])
    assert got is not None and got.payload["data"] == "changed"
    assert store.get(ids[2]) is None
    if hybrid:
        assert ids[3] in [h.id for h in store.keyword_search("kept-3", top_k=3) or []]
    store.close()
    reopened = EdgeVectorStore(tmp_path, "memories", DIMS, hybrid=hybrid)
    reopened.delete(ids[4])
    assert reopened.get(ids[4]) is None and reopened.get(ids[2]) is None
    assert reopened.get(ids[5]) is not None
    reopened.close()


def test_searches_go_on_while_the_child_compacts(store: EdgeVectorStore) -> None:
    ids = fill(store, 50)
    store.delete(ids[0])
    staging = staging_directory(store.path / store.collection_name)
    worker = threading.Thread(target=store.compact)
    worker.start()
    try:
        wait_until(staging.exists, "the compaction to copy the shard")
        hits = store.search("", axis(4), top_k=1, filters={"user_id": "u1"})
        found = store.get(ids[4])
        compaction_still_running = worker.is_alive()
    finally:
        worker.join()

    assert hits[0].score == pytest.approx(1.0)
    assert found is not None and found.payload["data"] == "note-4"
    # The child process alone takes a Python start-up (hundreds of ms); a search takes under a millisecond.
    # Had the compaction held the GIL or a lock readers need, the search would have returned only after it.
    assert compaction_still_running


def test_a_write_issued_during_compaction_is_kept(store: EdgeVectorStore) -> None:
    ids = fill(store, 20)
    store.delete(ids[0])
    staging = staging_directory(store.path / store.collection_name)
    late_id = str(uuid.uuid4())
    worker = threading.Thread(target=store.compact)
    worker.start()
    wait_until(staging.exists, "the compaction to copy the shard")
    writer = threading.Thread(
        target=store.insert, kwargs={"vectors": [axis(1)], "ids": [late_id], "payloads": [{"data": "late"}]}
    )
    writer.start()
    worker.join()
    writer.join()

    point = store.get(late_id)
    assert point is not None and point.payload == {"data": "late"}
    assert store.count() == 20


@pytest.mark.parametrize("left_behind", ["new", "old"])
def test_a_crash_mid_swap_leaves_one_complete_shard(tmp_path: Path, left_behind: str) -> None:
    store = EdgeVectorStore(tmp_path, "memories", DIMS)
    ids = fill(store, 10)
    store.close()
    directory = tmp_path / "memories"
    # The two states a crash between the swap's renames can leave: only the compacted copy, or only the old.
    directory.rename(tmp_path / f"memories.{left_behind}")
    shutil.copytree(tmp_path / f"memories.{left_behind}", staging_directory(directory))  # an unfinished copy

    reopened = EdgeVectorStore(tmp_path, "memories", DIMS)
    try:
        assert reopened.count() == 10
        assert reopened.get(ids[3]) is not None
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["memories"]
    finally:
        reopened.close()


def test_a_failed_child_reports_why(tmp_path: Path) -> None:
    not_a_shard = tmp_path / "garbage"
    not_a_shard.mkdir()
    (not_a_shard / "edge_config.json").write_text("{not json")

    with pytest.raises(compaction.CompactionFailed, match="garbage"):
        compaction.compact_in_child(not_a_shard, DIMS)

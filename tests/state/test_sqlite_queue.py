from __future__ import annotations

from pathlib import Path

from state.sqlite_queue import SqliteUpdateQueue as UpdateQueue


def test_enqueue_is_idempotent_per_key(tmp_path: Path) -> None:
    queue = UpdateQueue(tmp_path / "q.db")
    assert queue.enqueue("slack:m1", "u", {"text": "hi"}) is True
    assert queue.enqueue("slack:m1", "u", {"text": "hi again"}) is False
    assert [j.payload["text"] for j in queue.due()] == ["hi"]
    queue.done("slack:m1")
    assert queue.due() == []
    assert queue.enqueue("slack:m1", "u", {"text": "redelivered"}) is False


def test_pending_jobs_survive_reopen(tmp_path: Path) -> None:
    queue = UpdateQueue(tmp_path / "q.db")
    queue.enqueue("k", "u", {"text": "x"})
    queue.close()
    again = UpdateQueue(tmp_path / "q.db")
    assert [j.key for j in again.due()] == ["k"]


def test_failures_back_off_then_park(tmp_path: Path) -> None:
    queue = UpdateQueue(tmp_path / "q.db", max_attempts=3, base_delay_s=30)
    queue.enqueue("k", "u", {"text": "x"})
    assert queue.failed("k", "boom 1") is False
    assert queue.due() == []  # backing off
    due_in = queue.next_due_in()
    assert due_in is not None and due_in > 20
    assert queue.failed("k", "boom 2") is False
    assert queue.failed("k", "boom 3") is True
    parked = queue.parked()
    assert [(p.key, p.error) for p in parked] == [("k", "boom 3")]
    assert queue.next_due_in() is None
    assert queue.retry() == 1
    assert [j.key for j in queue.due()] == ["k"]


def test_done_jobs_keep_no_text_and_purge_removes_a_user(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    queue = UpdateQueue(path)
    queue.enqueue("a1", "alice", {"text": "alice-marker-qq"})
    queue.enqueue("b1", "bob", {"text": "bob text"})
    queue.done("b1")
    assert queue.purge_user("alice") == 1
    assert queue.due() == []
    queue.close()
    for file in tmp_path.iterdir():
        assert b"alice-marker-qq" not in file.read_bytes()
        assert b"bob text" not in file.read_bytes()


def test_a_message_that_arrived_before_a_forget_all_queues_nothing(tmp_path: Path) -> None:
    import time

    queue = UpdateQueue(tmp_path / "q.db")
    arrived = time.time() - 1
    queue.purge_user("alice")
    assert queue.enqueue("k1", "alice", {"text": "old", "received_at": arrived}) is False
    assert queue.enqueue("k2", "alice", {"text": "new", "received_at": time.time() + 1}) is True
    assert queue.enqueue("k3", "alice", {"text": "no arrival time"}) is True


def test_a_retention_expiry_drops_updates_still_waiting_from_before_it(tmp_path: Path) -> None:
    import time

    queue = UpdateQueue(tmp_path / "q.db", max_attempts=1)
    queue.enqueue("old-a", "alice", {"text": "alice's old text"})
    queue.failed("old-a", "boom")  # parked
    queue.enqueue("old-b", "bob", {"text": "bob's old text"})
    queue.enqueue("done-a", "alice", {"text": "applied"})
    queue.done("done-a")
    cutoff = time.time() + 1  # everything above counts as older than the retention
    queue.enqueue("new-a", "alice", {"text": "alice's new text"})
    with queue._lock:  # `new-a` was queued after the cutoff
        queue._conn.execute("UPDATE jobs SET created_at = ? WHERE key = 'new-a'", (cutoff + 1,))
    assert queue.drop_older(cutoff, "alice") == 1  # only alice's waiting old one
    assert [p.key for p in queue.parked()] == []
    assert sorted(j.key for j in queue.due()) == ["new-a", "old-b"]
    assert queue.drop_older(cutoff) == 1  # everyone's (the bot-wide retention): bob's
    assert [j.key for j in queue.due()] == ["new-a"]
    queue.close()

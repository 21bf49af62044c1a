"""The PostgreSQL state, as several workers see it: two queue / lock / key-set instances on one database
stand for two workers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest

from state.locks import AdvisoryUserLocks
from state.pg_queue import PostgresUpdateQueue
from state.postgres import MIGRATIONS, migrate
from state.recent import PostgresRecentKeys
from state.secrets import database_secret


@pytest.fixture
def db(database_url: str) -> str:
    migrate(database_url)
    return database_url


def test_migrations_are_versioned_and_idempotent(database_url: str) -> None:
    assert migrate(database_url) == len(MIGRATIONS)
    assert migrate(database_url) == len(MIGRATIONS)  # a second worker starting: nothing to do
    with psycopg.connect(database_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM mb_schema ORDER BY version")]
    assert versions == list(range(1, len(MIGRATIONS) + 1))


def test_a_key_is_queued_once_across_workers_and_each_job_is_claimed_by_one(db: str) -> None:
    a, b = PostgresUpdateQueue(db), PostgresUpdateQueue(db)
    try:
        assert a.enqueue("slack:m1", "u1", {"text": "one"}) is True
        assert b.enqueue("slack:m1", "u1", {"text": "redelivered to b"}) is False
        b.enqueue("slack:m2", "u2", {"text": "two"})
        claimed_by_a = a.due()
        claimed_by_b = b.due()
        assert sorted(j.key for j in claimed_by_a + claimed_by_b) == ["slack:m1", "slack:m2"]
        assert not {j.key for j in claimed_by_a} & {j.key for j in claimed_by_b}
        assert [j.payload["text"] for j in claimed_by_a if j.key == "slack:m1"] == ["one"]
        for job in claimed_by_a:
            a.done(job.key)
        for job in claimed_by_b:
            b.done(job.key)
        assert a.pending_count() == 0
    finally:
        a.close()
        b.close()


def test_a_dead_workers_claims_go_to_the_living(db: str) -> None:
    dying, survivor = PostgresUpdateQueue(db), PostgresUpdateQueue(db)
    try:
        dying.enqueue("k1", "u1", {"text": "x"})
        assert [j.key for j in dying.due()] == ["k1"]
        assert survivor.due() == []  # claimed by a live worker
        dying.close()  # its presence session ends, as with SIGKILL
        with psycopg.connect(db) as conn:  # PostgreSQL ends the backend asynchronously: wait until it has
            for _ in range(200):
                row = conn.execute(
                    "SELECT COUNT(*) FROM pg_stat_activity a JOIN mb_update_jobs j ON a.pid = j.claim_pid"
                ).fetchone()
                if row and row[0] == 0:
                    break
                conn.execute("SELECT pg_sleep(0.02)")
        assert survivor.next_due_in() == 0.0
        assert [j.key for j in survivor.due()] == ["k1"]
    finally:
        survivor.close()


def test_a_persons_jobs_are_claimed_in_order_across_workers(db: str) -> None:
    a, b = PostgresUpdateQueue(db), PostgresUpdateQueue(db)
    try:
        a.enqueue("k1", "alice", {"text": "I prefer lowercase tags"})
        a.enqueue("k2", "alice", {"text": "I prefer uppercase tags"})
        a.enqueue("k3", "bob", {"text": "hello"})
        assert [j.key for j in b.due(limit=1)] == ["k1"]
        # alice's second statement waits for her first (claimed by b); bob is free
        assert [j.key for j in a.due()] == ["k3"]
        assert a.next_due_in() == 1.0  # k2 waits for b; no reason to poll for it before b is done
        b.done("k1")
        assert a.next_due_in() == 0.0
        assert [j.key for j in a.due()] == ["k2"]
    finally:
        a.close()
        b.close()


def test_failures_back_off_park_and_retry(db: str) -> None:
    queue = PostgresUpdateQueue(db, max_attempts=2, base_delay_s=30)
    try:
        queue.enqueue("k", "u", {"text": "x"})
        (job,) = queue.due()
        assert queue.failed(job.key, "boom") is False
        assert queue.due() == [] and 0 < (queue.next_due_in() or 0) <= 1.0
        queue.retry()  # only parked jobs move
        with psycopg.connect(db) as conn:
            conn.execute("UPDATE mb_update_jobs SET next_at = now()")
        (job,) = queue.due()
        assert queue.failed(job.key, "boom again") is True
        assert [(p.key, p.attempts, p.error) for p in queue.parked()] == [("k", 2, "boom again")]
        assert queue.retry("k") == 1
        assert [j.key for j in queue.due()] == ["k"]
    finally:
        queue.close()


def test_purge_removes_a_persons_jobs_for_every_worker(db: str) -> None:
    a, b = PostgresUpdateQueue(db), PostgresUpdateQueue(db)
    try:
        a.enqueue("k1", "alice", {"text": "secret one"})
        b.enqueue("k2", "alice", {"text": "secret two"})
        b.enqueue("k3", "bob", {"text": "bob's"})
        claimed = b.due()
        assert a.purge_user("alice") == 2
        assert [j.key for j in claimed if b.is_pending(j.key)] == ["k3"]
        with psycopg.connect(db) as conn:
            rows = conn.execute("SELECT key FROM mb_update_jobs WHERE payload::text LIKE '%secret%'")
            assert rows.fetchall() == []
    finally:
        a.close()
        b.close()


async def test_advisory_locks_serialize_a_person_across_workers(db: str) -> None:
    a, b = AdvisoryUserLocks(db), AdvisoryUserLocks(db)
    await a.open()
    await b.open()
    try:
        order: list[str] = []
        async with a("alice"):
            waiting = asyncio.create_task(_hold(b, "alice", order))
            async with b("bob"):  # someone else is not held up
                order.append("bob")
            done, _ = await asyncio.wait({waiting}, timeout=0.3)
            assert not done, "b took alice's lock while a held it"
            order.append("a releases")
        await waiting
        assert order == ["bob", "a releases", "b has alice"]
    finally:
        await a.close()
        await b.close()


async def _hold(locks: AdvisoryUserLocks, user: str, order: list[str]) -> None:
    async with locks(user):
        order.append(f"b has {user}")


async def test_a_cancelled_wait_leaves_no_lock_behind(db: str) -> None:
    a, b = AdvisoryUserLocks(db, pool_size=1), AdvisoryUserLocks(db, pool_size=1)
    await a.open()
    await b.open()
    try:
        async with a("alice"):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(_hold(b, "alice", []), 0.2)
        order: list[str] = []
        await asyncio.wait_for(_hold(b, "alice", order), 5)
        await asyncio.wait_for(_hold(a, "alice", order), 5)
        assert order == ["b has alice", "b has alice"]
    finally:
        await a.close()
        await b.close()


async def test_recent_keys_and_the_secret_are_shared(db: str) -> None:
    one, two = PostgresRecentKeys(db), PostgresRecentKeys(db)
    await one.open()
    await two.open()
    try:
        guard_one = one.factory("slack-deliveries", 100, 60.0)
        guard_two = two.factory("slack-deliveries", 100, 60.0)
        other_set = two.factory("slack-threads", 100, 60.0)
        assert await guard_one.first_time("event:E1") is True
        assert await guard_two.first_time("event:E1") is False  # a redelivery on another worker
        assert await other_set.first_time("event:E1") is True
        short = two.factory("short", 100, 0.0)
        await short.touch("t")
        assert await short.contains("t") is False  # expired
        assert await short.first_time("t") is True
    finally:
        await one.close()
        await two.close()
    assert database_secret(db) == database_secret(db)
    assert len(database_secret(db)) == 32


def test_an_answer_in_the_works_during_a_forget_all_cannot_queue_what_was_forgotten(db: str) -> None:
    import time

    a, b = PostgresUpdateQueue(db), PostgresUpdateQueue(db)
    try:
        arrived = time.time() - 1  # worker b got the message, then worker a erased the person
        a.purge_user("alice")
        assert b.enqueue("k1", "alice", {"text": "old secret", "received_at": arrived}) is False
        assert b.enqueue("k2", "alice", {"text": "said after", "received_at": time.time() + 1}) is True
        assert b.enqueue("k3", "bob", {"text": "someone else", "received_at": arrived}) is True
        with psycopg.connect(db) as conn:
            dump = str(conn.execute("SELECT * FROM mb_erasures").fetchall())
        assert "alice" not in dump  # the record names no one
    finally:
        a.close()
        b.close()


async def test_every_worker_hears_of_an_erasure(db: str) -> None:
    from state.erasures import ErasureFeed

    heard: asyncio.Queue[str] = asyncio.Queue()
    feed = ErasureFeed(db)
    feed.subscribe(heard.put_nowait)
    await feed.open()
    queue = PostgresUpdateQueue(db)
    try:
        await asyncio.to_thread(queue.purge_user, "alice")  # on another worker
        assert await asyncio.wait_for(heard.get(), 10) == "alice"
    finally:
        queue.close()
        await feed.close()


async def test_an_unreachable_database_stops_start_up_with_a_message(tmp_path: Path) -> None:
    from bot.errors import ServiceUnreachable
    from memorybot.app import build_service
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data", database_url="postgresql://bot:hunter2@127.0.0.1:1/bot")
    with pytest.raises(ServiceUnreachable) as info:
        async with build_service(settings):
            pass
    assert "DATABASE_URL" in str(info.value) and "hunter2" not in str(info.value)


async def test_a_history_file_left_from_embedded_days_is_named_in_the_log(
    tmp_path: Path, pgvector_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With DATABASE_URL the history is off: an old history.db is never opened again, so a /forget cannot
    reach what it holds. The operator is told, since only they can delete it."""
    import sqlite3

    from memorybot.app import build_service
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data", memory_store="pgvector", database_url=pgvector_url)
    settings.data_dir.mkdir(parents=True)
    sqlite3.connect(settings.data_dir / "history.db").close()
    with caplog.at_level("WARNING", logger="memorybot.app"):
        async with build_service(settings):
            pass
    assert any("history.db is left from before DATABASE_URL" in r.getMessage() for r in caplog.records)


def test_the_shared_audit_table_keeps_only_the_newest_lines(database_url: str) -> None:
    """The file trail rotates; the table must not grow for ever either."""
    from state.audit import PostgresAuditTrail
    from state.postgres import migrate, state_pool

    migrate(database_url)
    trail = PostgresAuditTrail(state_pool(database_url), owns_pool=True, max_rows=5, trim_every=4)
    try:
        for n in range(13):
            trail.append({"action": "read-memories", "n": n})
        kept = [line["n"] for line in trail.read()]
    finally:
        trail.close()
    # Trimmed to the newest 5 on lines 1, 5, 9 and 13 (n = 0, 4, 8, 12): the newest five, oldest first.
    assert kept == list(range(8, 13))

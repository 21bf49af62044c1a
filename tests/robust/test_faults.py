"""Faults at run time, under a running bot: replies go on with a notice, no memory update is lost, nothing is
half-written."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

from bot import messages
from bot.errors import DataDirError
from bot.settings import Settings
from bot.types import ChatIdentity, IncomingMessage
from memorybot.app import build_service
from state.sqlite_queue import SqliteUpdateQueue as UpdateQueue
from tests.conftest import make_settings
from tests.fakes.qdrant_server import FakeQdrant

ALICE = ChatIdentity(platform="console", user="alice", channel="c")
BOB = ChatIdentity(platform="console", user="bob", channel="c")


def _texts(page: object) -> list[str]:
    return [m.text.lower() for m in page.items]  # type: ignore[attr-defined]


async def test_the_qdrant_server_goes_away_and_comes_back_mid_conversation(tmp_path: Path) -> None:
    async with FakeQdrant() as qdrant:
        settings = make_settings(tmp_path / "data", qdrant_url=qdrant.url)
        async with build_service(settings) as service:
            await service.handle(IncomingMessage(ALICE, "I prefer lowercase tags", message_id="m1"))
            await service.drain()
            await qdrant.stop()

            reply = await service.handle(
                IncomingMessage(ALICE, "I like rust-while-down content", message_id="m2")
            )
            assert reply.text and messages.MEMORY_UNAVAILABLE in reply.notices
            # The update is tried while the server is away, fails, and waits (never parked).
            await _until(lambda: _attempts(settings.data_dir, "console:m2") >= 2)
            await qdrant.start()
            await _until(lambda: service.queue.pending_count() == 0)
            assert service.queue.parked() == []
            texts = _texts(await service.list_memories(ALICE, limit=20))
            assert len([t for t in texts if "rust-while-down" in t]) == 1, texts
            assert any("lowercase" in t for t in texts)
            assert _texts(await service.list_memories(BOB)) == []


def test_a_store_outage_never_parks_an_update() -> None:
    queue = UpdateQueue(Path(":memory:"), max_attempts=2, base_delay_s=0.0)
    queue.enqueue("k", "u", {"text": "x"})
    for _ in range(10):
        assert queue.failed("k", "MemoryUnavailable: refused", transient=True) is False
    assert queue.parked() == [] and queue.pending_count() == 1
    assert queue.failed("k", "ValueError: poison") is True, "a real failure still parks"
    queue.close()


async def test_the_queue_file_deleted_under_a_running_bot_keeps_every_update(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with build_service(settings) as service:
        (settings.data_dir / "updates.db").unlink()
        reply = await service.handle(
            IncomingMessage(ALICE, "I like zebra-after-delete content", message_id="d1")
        )
        assert reply.text
        await service.drain()
        assert (settings.data_dir / "updates.db").exists(), "the queue recreated its file"
        assert any("zebra-after-delete" in t for t in _texts(await service.list_memories(ALICE, limit=20)))


async def test_a_locked_queue_holds_the_update_and_applies_it_once_unlocked(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with build_service(settings) as service:
        other = sqlite3.connect(settings.data_dir / "updates.db", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another program holds the file
        try:
            reply = await service.handle(
                IncomingMessage(ALICE, "I like yak-while-locked content", message_id="l1")
            )
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert reply.text and messages.MEMORY_WAITING in reply.notices
        assert service.queue.holding == 1
        await _until(lambda: service.queue.holding == 0)
        await service.drain()
        assert any("yak-while-locked" in t for t in _texts(await service.list_memories(ALICE, limit=20)))


async def test_a_corrupted_queue_file_does_not_stop_the_replies(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with build_service(settings) as service:
        path = settings.data_dir / "updates.db"
        with path.open("r+b") as damaged:
            damaged.write(b"this is not a database any more" * 200)
        for n in range(3):
            reply = await service.handle(
                IncomingMessage(ALICE, f"note number {n} about kayaks", message_id=f"c{n}")
            )
            assert reply.text and reply.text != messages.MODEL_FAILED
    # SQLite notices damage when it opens the file again: the next start names the file and what to do.
    with path.open("r+b") as damaged:
        damaged.write(b"this is not a database any more" * 200)
    refused = await _start_up_refused(settings)
    assert f"{path} is damaged" in refused and "Move it aside" in refused


def _attempts(data_dir: Path, key: str) -> int:
    """How often the update was tried, read as another program would (the queue is in WAL mode)."""
    with sqlite3.connect(data_dir / "updates.db") as reader:
        row = reader.execute("SELECT attempts FROM jobs WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


async def _until(condition: Callable[[], bool], within_s: float = 20.0) -> None:
    """Poll a side effect with a deadline (the worker applies updates in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        if condition():
            return
        assert loop.time() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.05)


async def test_a_damaged_history_file_is_named_at_start_up_and_memories_survive_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with build_service(settings) as service:
        await service.handle(IncomingMessage(ALICE, "I prefer lowercase tags", message_id="h1"))
        await service.drain()
    history = settings.data_dir / "history.db"
    for leftover in settings.data_dir.glob("history.db-*"):  # its write-ahead log
        leftover.unlink()
    history.write_bytes(b"this is not a database any more" * 200)
    refused = await _start_up_refused(settings)
    assert f"{history} is damaged" in refused and "delete it" in refused
    history.unlink()  # what the message says to do
    async with build_service(settings) as service:
        page = await service.list_memories(ALICE)
    assert any("lowercase" in record.text for record in page.items)


async def _start_up_refused(settings: Settings) -> str:
    """What start-up says when it refuses the data directory (it must refuse)."""
    try:
        async with build_service(settings):
            pass
    except DataDirError as exc:
        return str(exc)
    raise AssertionError("start-up went ahead on a damaged file")

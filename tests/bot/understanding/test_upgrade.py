"""A store written by version 1 (memory text, maybe an unread `pref_key`) is upgraded once at start-up,
keeping every memory and every preference."""

from __future__ import annotations

from pathlib import Path

from bot.types import ChatIdentity, IncomingMessage
from bot.understanding.records import preference_in, profile_from
from bot.understanding.upgrade import MARKER
from memory.client import build_mem0
from memory.mem0_store import Mem0Store
from memorybot.app import build_service
from state.sqlite_queue import SqliteUpdateQueue as UpdateQueue
from tests.conftest import make_settings

ALICE = "console:alice"


async def write_version_1_store(data_dir: Path) -> None:
    """Memories exactly as version 1 wrote them (`bot/remember.py` and Mem0's extraction at 13d680e)."""
    store = Mem0Store(build_mem0(make_settings(data_dir).store_config()))
    v1 = {"job_key": "console:1", "platform": "console"}
    await store.add(ALICE, "Name is Alice", category="fact",
                    metadata={**v1, "pref_key": "identity:name", "pref_value": "alice"})  # fmt: skip
    await store.add(ALICE, "Prefers lowercase tags", category="preference",
                    metadata={**v1, "pref_key": "format:case", "pref_value": "lower"})  # fmt: skip
    await store.add(ALICE, "Avoids politics", category="preference",
                    metadata={**v1, "pref_key": "topic:politics", "pref_value": "avoid"})  # fmt: skip
    await store.add(ALICE, "Always include the tag 'work'", category="preference",
                    metadata={**v1, "pref_key": "format:always:work", "pref_value": "yes"})  # fmt: skip
    # Mem0's LLM extraction: text only; one sentence stating two preferences, and a free-form fact.
    await store.add(ALICE, "User enjoys hiking and dislikes crowds", category="preference", metadata=v1)
    await store.add(ALICE, "User lives in Lisbon", category="fact", metadata=v1)
    await store.add(ALICE, "Tagged Python 3.14 released with #python, #release", category="interaction",
                    metadata={**v1, "tags": ["python", "release"]})  # fmt: skip
    await store.add_heuristic("Prefers singular tags")
    await store.close()
    # An update version 1 queued (an untyped dict) and never applied: replayed at start-up.
    queue = UpdateQueue(data_dir / "updates.db")
    payload = {"text": "I like jazz", "run_id": "console:c", "source": {"platform": "console"}, "tags": [],
               "reply": "Noted.", "title": None, "url": None, "infer": False}  # fmt: skip
    queue.enqueue("console:old-1", ALICE, payload)
    queue.close()


async def test_a_version_1_store_keeps_every_memory_and_preference(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await write_version_1_store(data_dir)

    async with build_service(make_settings(data_dir)) as service:
        await service.drain()
        memories = await service.store.all(ALICE)
        guidance = await service.store.heuristics()
        texts = sorted(m.text for m in memories)
        assert texts == sorted(
            [
                "Name is Alice",
                "Prefers lowercase tags",
                "Avoids politics",
                "Always include the tag 'work'",
                "Likes hiking",  # the compound memory, one memory per preference now
                "Avoids crowds",
                "User lives in Lisbon",
                "Tagged Python 3.14 released with #python, #release",
                "Likes jazz",  # the queued version-1 update
            ]
        )
        assert all(m.metadata.get("schema") == 2 for m in [*memories, *guidance])
        keys = {p.key: p.value for m in memories if (p := preference_in(m)) is not None}
        assert keys["identity.name"] == "Alice"
        assert keys["format.case"] == "lower"
        assert keys["topic:politics"] == "avoid"
        assert keys["tag.always:work"] == "work"
        assert keys["topic:hiking"] == "like" and keys["topic:crowds"] == "avoid"
        assert "User lives in Lisbon" in keys.values()  # a free-form fact, kept word for word
        profile = profile_from(guidance, memories)
        assert profile.number == "singular" and profile.name == "Alice"

        identity = ChatIdentity(platform="console", user="alice", channel="c")
        reply = await service.handle(IncomingMessage(identity, "what's my name?"))
        assert "Alice" in reply.text
        reply = await service.handle(
            IncomingMessage(
                identity, "Electric cars and hybrid cars are getting cheaper as battery factories expand"
            )
        )
        assert "work" in reply.tags and all(t == t.lower() for t in reply.tags)
        assert any(t.endswith("car") for t in reply.tags) and not any(t.endswith("cars") for t in reply.tags)
    assert (data_dir / MARKER).exists()


async def test_the_upgrade_runs_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await write_version_1_store(data_dir)
    async with build_service(make_settings(data_dir)):
        pass
    # A version-1 memory appearing afterwards (it cannot, but if it did) is left alone: no rescan.
    store = Mem0Store(build_mem0(make_settings(data_dir).store_config()))
    late = await store.add(ALICE, "Prefers UPPERCASE tags", category="preference")
    await store.close()
    async with build_service(make_settings(data_dir)) as service:
        record = await service.store.get(ALICE, late.id)
        assert record is not None and "schema" not in record.metadata

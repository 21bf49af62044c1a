"""A forget-all compacts the store while other people keep talking: every reply arrives, every update
lands once compaction lets writes through, and the forgotten text is gone from the files."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.types import ChatIdentity, IncomingMessage
from memorybot.app import build_service
from tests.conftest import make_settings

MARKER = "potoroomarker"
OTHERS = [f"user{i}" for i in range(4)]
TOPICS = ["rust", "jazz", "sourdough", "climbing", "chess"]


def person(name: str) -> ChatIdentity:
    return ChatIdentity(platform="console", user=name, channel="c1")


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


async def test_forget_all_during_traffic_loses_nothing_of_anyone_else(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with build_service(make_settings(data)) as service:
        for i in range(3):
            await service.handle(IncomingMessage(person("alice"), f"I like {MARKER} content number {i}"))
        await service.drain()

        async def talk(name: str) -> list[str]:
            replies = []
            for i, topic in enumerate(TOPICS):
                text = f"I like {topic} content, says {name}"
                reply = await service.handle(IncomingMessage(person(name), text, message_id=f"{name}-{i}"))
                replies.append(reply.text)
            return replies

        async def forget_alice() -> int | None:
            alice = person("alice")
            return await service.confirm_forget_all(alice, service.forget_all_token(alice))

        *conversations, forgotten = await asyncio.gather(*(talk(n) for n in OTHERS), forget_alice())
        await service.drain()

        assert forgotten == 3
        assert all(len(replies) == len(TOPICS) and all(replies) for replies in conversations)
        assert (await service.list_memories(person("alice"), limit=10)).items == []
        for name in OTHERS:
            texts = " ".join(m.text for m in (await service.list_memories(person(name), limit=50)).items)
            assert all(topic in texts for topic in TOPICS), (name, texts)
            assert MARKER not in texts
        assert service.queue.pending_count() == 0 and service.queue.parked() == [], "no update was lost"
    assert files_containing(data, MARKER.encode()) == []

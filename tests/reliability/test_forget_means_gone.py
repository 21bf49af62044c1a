"""After a user forgets everything, no byte of any file in the data directory holds their text."""

from __future__ import annotations

from pathlib import Path

from bot.types import ChatIdentity, IncomingMessage
from memorybot.app import build_service
from tests.conftest import make_settings

MARKER = "quokkamarker"


def files_containing(root: Path, needle: bytes) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and needle in path.read_bytes():
            hits.append(path)
    return hits


async def test_forget_all_leaves_no_trace_on_disk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    alice = ChatIdentity(platform="console", user="alice", channel="c1")
    bob = ChatIdentity(platform="console", user="bob", channel="c1")
    async with build_service(make_settings(data)) as service:
        for i, text in enumerate(
            [
                f"I like {MARKER} content",
                f"My name is {MARKER.title()}",
                f"Here is an article about {MARKER} breeding habits and {MARKER} conservation in Australia",
            ]
        ):
            await service.handle(IncomingMessage(alice, text, message_id=f"a{i}"))
        await service.handle(IncomingMessage(bob, "I like wombat content", message_id="b1"))
        await service.drain()
        assert files_containing(data, MARKER.encode()), "the marker should be stored before forgetting"
        token = service.forget_all_token(alice)
        assert (await service.confirm_forget_all(alice, token) or 0) >= 3
    leftovers = files_containing(data, MARKER.encode()) + files_containing(data, MARKER.title().encode())
    assert leftovers == [], leftovers
    assert files_containing(data, b"wombat"), "bob's memories must stay"


async def test_a_message_answered_across_a_forget_all_does_not_bring_it_back(tmp_path: Path) -> None:
    """The message arrived, the person erased everything while it was being answered, then its update was
    queued: it must not land (the erasure is newer than the message)."""
    alice = ChatIdentity(platform="console", user="alice", channel="c1")
    async with build_service(make_settings(tmp_path / "data")) as service:
        in_the_works = IncomingMessage(alice, f"I like {MARKER} content", message_id="m1")
        await service.forget_everything("console:alice")
        reply = await service.handle(in_the_works)
        assert reply.text
        await service.handle(IncomingMessage(alice, "I like wombat content", message_id="m2"))
        await service.drain()
        remembered = [m.text for m in (await service.list_memories(alice, limit=20)).items]
    assert remembered and not [t for t in remembered if MARKER in t.lower()], remembered

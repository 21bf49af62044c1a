"""The core end to end on `InMemoryStore`: conversations through the real ChatService, update worker, queue,
offline tagger and console commands, without Qdrant, Mem0 or an embedding model, so each runs in milliseconds.

What is proven here is what the core does with memories (remember, shape tags, list, forget, keep people
apart); that the real store keeps them is proven in `tests/memory/` and by `test_service.py`.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import pytest
from rich.console import Console

from adapters.console import ConsoleAdapter
from bot.service import ChatService
from bot.settings import Settings
from bot.types import ChatIdentity, IncomingMessage
from memory.ids import short_id
from memory.in_memory_store import InMemoryStore
from tests.in_memory_service import in_memory_service

ARTICLE = (
    "Rust 1.80 was released today with LazyCell and LazyLock in the standard library, exclusive range "
    "patterns, and checked cfg names for every crate."
)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
async def service(settings: Settings, store: InMemoryStore) -> AsyncIterator[ChatService]:
    async with in_memory_service(settings, store=store) as svc:
        yield svc


def who(name: str, channel: str = "c1") -> ChatIdentity:
    return ChatIdentity(platform="console", user=name, channel=channel)


async def say(service: ChatService, name: str, text: str) -> list[str]:
    reply = await service.handle(IncomingMessage(who(name), text))
    await service.drain()
    return reply.tags


async def memory_texts(service: ChatService, name: str) -> list[str]:
    return [m.text for m in (await service.list_memories(who(name), limit=100)).items]


def console_for(service: ChatService, name: str, answers: str = "") -> tuple[ConsoleAdapter, io.StringIO]:
    screen = io.StringIO()
    adapter = ConsoleAdapter(
        service,
        user=name,
        stdin=io.StringIO(answers),
        console=Console(file=screen, width=200, highlight=False),
    )
    return adapter, screen


async def test_a_stated_preference_is_remembered_and_shapes_that_persons_tags(service: ChatService) -> None:
    before = await say(service, "alice", ARTICLE)
    assert before and all(t == t.lower() for t in before), before  # else the preference proves nothing

    await say(service, "alice", "I prefer title case tags")
    assert "Prefers Title Case tags" in await memory_texts(service, "alice")
    after = await say(service, "alice", ARTICLE)
    assert [t.lower() for t in after] == before and all(t[0].isupper() for t in after), after
    assert await say(service, "bob", ARTICLE) == before  # bob never asked for title case


async def test_a_preference_held_is_neither_duplicated_nor_kept_once_changed(service: ChatService) -> None:
    await say(service, "alice", "I want at most 3 tags")
    await say(service, "alice", "I want at most 3 tags")
    assert len(await say(service, "alice", ARTICLE)) == 3
    await say(service, "alice", "I want at most 2 tags")
    texts = await memory_texts(service, "alice")
    assert [t for t in texts if "at most" in t.lower()] == ["Wants at most 2 tags"], texts
    assert len(await say(service, "alice", ARTICLE)) == 2


async def test_memories_and_forget_commands_in_the_console(
    service: ChatService, store: InMemoryStore
) -> None:
    alice, screen = console_for(service, "alice")
    await alice.handle_line("I prefer hashtags")
    await service.drain()
    await alice.handle_line("/remember My cat is called Miso")
    await alice.handle_line("/memories")
    memories = (await service.list_memories(alice.identity, limit=10)).items
    assert sorted(m.text for m in memories) == ["My cat is called Miso", "Wants hashtags"]
    assert all(short_id(m.id) in screen.getvalue() and m.text in screen.getvalue() for m in memories)

    cat = next(m for m in memories if "Miso" in m.text)
    await alice.handle_line(f"/forget {short_id(cat.id)}")
    assert await memory_texts(service, "alice") == ["Wants hashtags"]
    assert cat.id not in {r.id for r in await store.scan()}  # gone from the store, not hidden


async def test_forget_by_description_and_forget_all(service: ChatService) -> None:
    await service.remember(who("alice"), "My dog is called Rex")
    await say(service, "alice", "I prefer hashtags")
    await service.remember(who("bob"), "My dog is called Bolt")
    reply = await service.handle(IncomingMessage(who("alice"), "Forget what I said about my dog"))
    await service.drain()
    assert "Rex" in reply.text
    assert await memory_texts(service, "alice") == ["Wants hashtags"]

    token = service.forget_all_token(who("alice"))
    assert await service.confirm_forget_all(who("bob"), token) is None  # alice's token is not bob's
    assert await service.confirm_forget_all(who("alice"), token) == 1
    assert await memory_texts(service, "alice") == []
    assert await memory_texts(service, "bob") == ["My dog is called Bolt"]


async def test_one_persons_memories_never_reach_another(service: ChatService) -> None:
    await service.remember(who("bob"), "My name is Bob and I love knitting")
    bobs = (await service.list_memories(who("bob"), limit=10)).items
    assert "Likes knitting" in [m.text for m in bobs]

    reply = await service.handle(IncomingMessage(who("alice"), "What do you remember about me?"))
    assert "knitting" not in reply.text.lower() and not reply.memories_used
    assert (await service.list_memories(who("alice"), query="knitting")).total == 0
    assert json.loads(await service.export(who("alice")))["memories"] == []
    for memory in bobs:
        assert not await service.forget(who("alice"), memory.id)
        assert not await service.forget(who("alice"), short_id(memory.id))
    assert (await service.list_memories(who("bob"), limit=10)).items == bobs

    mine = await service.handle(IncomingMessage(who("bob"), "What do you remember about me?"))
    assert "knitting" in mine.text.lower()


async def test_operator_guidance_applies_to_everyone_until_removed(service: ChatService) -> None:
    [line] = await service.add_guidance("Always include a #news tag")
    assert "news" in await say(service, "alice", ARTICLE)
    assert "news" in await say(service, "bob", ARTICLE)
    listed = (await service.list_memories(who("alice"), limit=50)).items
    assert line.id not in {m.id for m in listed} and {m.category for m in listed} == {"interaction"}
    assert await service.remove_guidance(line.id)
    assert "news" not in await say(service, "alice", ARTICLE)

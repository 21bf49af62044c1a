"""Fixtures for the Discord adapter tests: a fake Discord on loopback and a running adapter against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr
from pydantic_ai import Agent
from pydantic_ai.models.function import FunctionDef, FunctionModel

from adapters.discord import DiscordAdapter
from bot.service import ChatService
from bot.settings import Settings
from bot.types import ChatIdentity
from memory.types import MemoryRecord
from tests.fakes.discord_server import JSON, FakeDiscord, Interaction, Recorded

START_TIMEOUT_S = 30.0


@dataclass
class World:
    """The fake Discord with one server, one channel, and two people in it."""

    fake: FakeDiscord
    guild: JSON
    channel: JSON
    alice: JSON
    bob: JSON

    @property
    def me(self) -> str:
        return self.fake.mention(self.fake.bot)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with FakeDiscord() as fake:
        guild = fake.add_guild()
        channel = fake.add_channel(guild)
        yield World(fake, guild, channel, fake.user("alice"), fake.user("bob"))


def discord_settings(settings: Settings, fake: FakeDiscord, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": SecretStr(fake.token),
        "discord_api_url": fake.api_url,
        "discord_gateway_url": fake.gateway_url,
        "discord_guild_ids": ",".join(str(g) for g in fake.guilds),
    }
    values.update(extra)
    return settings.model_copy(update=values)


@pytest.fixture
async def bot(world: World, settings: Settings, service: ChatService) -> AsyncIterator[DiscordAdapter]:
    adapter = DiscordAdapter(discord_settings(settings, world.fake), service)
    async with running(adapter):
        yield adapter


@contextmanager
def scripted_model(service: ChatService, function: FunctionDef) -> Iterator[None]:
    """Replace the language model, the network edge, with a scripted pydantic-ai `FunctionModel`.

    `Agent.override` sets a context variable: start the adapter inside this block, so that the event tasks
    discord.py creates inherit it.
    """
    agent = service.agent
    assert isinstance(agent, Agent), "the service's agent is a pydantic-ai Agent"
    with agent.override(model=FunctionModel(function)):
        yield


class running:
    """Run `adapter.start()` in a task for the block; fail fast if it dies, stop it cleanly afterwards."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> DiscordAdapter:
        self.task = asyncio.create_task(self.adapter.start())
        await asyncio.wait_for(self.adapter.wait_ready(), START_TIMEOUT_S)
        return self.adapter

    async def __aexit__(self, *exc: object) -> None:
        await self.adapter.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, START_TIMEOUT_S)


async def answers_to(fake: FakeDiscord, message: JSON, count: int = 1) -> list[Recorded]:
    """The bot's posts in `message`'s channel from its reply to `message` on (reply, then follow-up parts)."""
    channel = fake.channels[int(message["channel_id"])]

    def found() -> list[Recorded] | None:
        posts = fake.sent_to(channel)
        starts = [i for i, r in enumerate(posts) if _replies_to(r) == message["id"]]
        if not starts or len(posts) - starts[0] < count:
            return None
        return posts[starts[0] : starts[0] + count]

    result: list[Recorded] = await fake.wait_for(found)
    return result


def _replies_to(request: Recorded) -> str | None:
    reference = request.payload().get("message_reference")
    return str(reference["message_id"]) if reference else None


def tags_in(post: Recorded) -> list[str]:
    """The tags line of an answer, as rendered by `render_reply`."""
    for line in str(post.payload().get("content", "")).splitlines():
        if line.startswith("**Tags:** "):
            return [t.strip().strip("`") for t in line.removeprefix("**Tags:** ").split(" · ")]
    return []


# --- memories made and read through Discord -----------------------------------------------------------


def person(user: JSON) -> ChatIdentity:
    return ChatIdentity(platform="discord", user=user["id"])


async def memories_of(service: ChatService, user: JSON) -> list[MemoryRecord]:
    await service.drain()
    page = await service.list_memories(person(user), offset=0, limit=100)
    return list(page.items)


async def seed(world: World, service: ChatService, user: JSON, *texts: str) -> list[MemoryRecord]:
    """Talk to the bot as `user` (through Discord) and return what it now remembers about them."""
    for text in texts:
        message = await world.fake.send_message(user, world.channel, f"{world.me} {text}")
        await answers_to(world.fake, message)
    return await memories_of(service, user)


ALICE_SAYS = (
    "I prefer lowercase tags. Tag this: alpine skiing trip",
    "I avoid politics. Tag this: sourdough baking guide",
    "Tag this: jazz piano improvisation",
)
BOB_SAYS = ("I like gardening. Tag this: heirloom tomato seeds",)


async def sent_message(world: World, interaction: Interaction, number: int = 1) -> JSON:
    """The `number`-th message the bot created for `interaction`, as it stands now."""
    await world.fake.wait_for(lambda: len(interaction.created) >= number)
    return world.fake.messages[interaction.created[number - 1]]

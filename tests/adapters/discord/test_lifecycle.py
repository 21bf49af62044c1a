"""Start-up and shutdown: bad credentials, missing intents, sharding, command sync, and endpoint overrides."""

from __future__ import annotations

import asyncio
import logging

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from pydantic import SecretStr
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo

from adapters.discord import DiscordAdapter
from bot.errors import SettingsError
from bot.service import ChatService
from bot.settings import Settings
from tests.adapters.discord.conftest import (
    START_TIMEOUT_S,
    World,
    answers_to,
    discord_settings,
    running,
    scripted_model,
)
from tests.fakes.discord_server import FakeDiscord


async def fails_to_start(adapter: DiscordAdapter) -> SettingsError:
    task = asyncio.create_task(adapter.start())
    with pytest.raises(SettingsError) as from_ready:
        await asyncio.wait_for(adapter.wait_ready(), START_TIMEOUT_S)
    with pytest.raises(SettingsError) as from_start:
        await asyncio.wait_for(task, START_TIMEOUT_S)
    assert from_ready.value is from_start.value
    return from_start.value


async def test_a_rejected_token_stops_start_up_with_what_to_fix(
    world: World, settings: Settings, service: ChatService
) -> None:
    adapter = DiscordAdapter(
        discord_settings(settings, world.fake, discord_token=SecretStr("not-the-token")), service
    )
    error = await fails_to_start(adapter)
    assert "DISCORD_TOKEN" in str(error) and "not-the-token" not in str(error)
    assert world.fake.identifies == [], "no gateway connection with a rejected token"


async def test_a_missing_message_content_intent_says_where_to_enable_it(
    settings: Settings, service: ChatService
) -> None:
    async with FakeDiscord(allow_message_content=False) as fake:
        fake.add_channel(fake.add_guild())
        error = await fails_to_start(DiscordAdapter(discord_settings(settings, fake), service))
    assert "Message Content intent" in str(error) and "Privileged Gateway Intents" in str(error)


async def test_endpoints_point_at_the_settings_while_running_and_are_restored_after(
    world: World, settings: Settings, service: ChatService
) -> None:
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    async with running(DiscordAdapter(discord_settings(settings, world.fake), service)):
        assert Route.BASE == world.fake.api_url
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == world.fake.gateway_url
    assert (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY) == before


async def test_identify_asks_for_message_content(world: World, bot: DiscordAdapter) -> None:
    [identify] = world.fake.identifies
    intents = identify["intents"]
    assert intents & (1 << 15), "message content"
    assert intents & (1 << 9) and intents & (1 << 12) and intents & 1, "guild messages, DMs, guilds"
    assert not intents & (1 << 1) and not intents & (1 << 8), "no privileged members or presences"


async def test_without_guild_ids_commands_are_synced_globally(
    world: World, settings: Settings, service: ChatService
) -> None:
    async with running(
        DiscordAdapter(discord_settings(settings, world.fake, discord_guild_ids=None), service)
    ):
        assert {c["name"] for c in world.fake.commands["global"]} == {
            "memories",
            "forget",
            "help",
            "remember",
            "link",
            "unlink",
            "memorybot",
        }
        assert list(world.fake.commands) == ["global"]


async def test_a_refused_command_sync_is_explained_and_mentions_still_work(
    world: World, settings: Settings, service: ChatService, caplog: pytest.LogCaptureFixture
) -> None:
    world.fake.refuse_command_sync = True
    with caplog.at_level(logging.ERROR, logger="adapters.discord"):
        async with running(DiscordAdapter(discord_settings(settings, world.fake), service)):
            message = await world.fake.send_message(world.alice, world.channel, f"{world.me} Tag this: chess")
            await answers_to(world.fake, message)
    assert "applications.commands" in caplog.text


async def test_a_shard_serves_only_its_own_guilds(settings: Settings, service: ChatService) -> None:
    async with FakeDiscord() as fake:
        # Discord routes a guild to shard (guild_id >> 22) % shard_count.
        mine = fake.add_guild("on shard 1", guild_id=fake.snowflake() | (1 << 22))
        other = fake.add_guild("on shard 0", guild_id=fake.snowflake() & ~(1 << 22))
        channel = fake.add_channel(mine)
        alice = fake.user("alice")
        shard_settings = discord_settings(settings, fake, discord_shard_count=2, discord_shard_ids="1")
        async with running(DiscordAdapter(shard_settings, service)) as adapter:
            assert [i["shard"] for i in fake.identifies] == [[1, 2]]
            assert adapter.client.get_guild(int(other["id"])) is None
            message = await fake.send_message(alice, channel, f"{fake.mention(fake.bot)} Tag this: sharding")
            await answers_to(fake, message)
            # A dropped connection resumes as the same shard: still its own guilds, and only those.
            await fake.drop_connections()
            await fake.wait_for(lambda: fake.resumes or len(fake.identifies) > 1)
            elsewhere = await fake.send_message(alice, fake.add_channel(other), "shard 0's business")
            again = await fake.send_message(alice, channel, f"{fake.mention(fake.bot)} Tag this: resuming")
            await answers_to(fake, again)
            assert fake.shards == [(1, None)]
            sent = {message["id"], elsewhere["id"], again["id"]}
            delivered = [d.id for d in fake.delivered if d.id in sent]
            assert delivered == [message["id"], again["id"]], "nothing of shard 0's"


async def test_stop_before_start_and_twice_is_harmless(
    world: World, settings: Settings, service: ChatService
) -> None:
    adapter = DiscordAdapter(discord_settings(settings, world.fake), service)
    await adapter.stop()
    async with running(adapter):
        pass
    await adapter.stop()


async def test_stop_lets_an_answer_in_progress_go_out_first(
    world: World, settings: Settings, service: ChatService
) -> None:
    thinking, release = asyncio.Event(), asyncio.Event()

    async def slow_model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        thinking.set()
        await release.wait()
        return ModelResponse(
            parts=[ToolCallPart(info.output_tools[0].name, {"reply": "Done thinking.", "tags": []})]
        )

    with scripted_model(service, slow_model):
        adapter = DiscordAdapter(discord_settings(settings, world.fake), service)
        async with running(adapter):
            message = await world.fake.send_message(world.alice, world.channel, f"{world.me} take your time")
            await asyncio.wait_for(thinking.wait(), START_TIMEOUT_S)
            stopping = asyncio.create_task(adapter.stop())
            release.set()
            await asyncio.wait_for(stopping, START_TIMEOUT_S)
    [answer] = world.fake.sent_to(world.channel)
    assert answer.payload()["content"].startswith("Done thinking.")
    assert answer.payload()["message_reference"]["message_id"] == int(message["id"])

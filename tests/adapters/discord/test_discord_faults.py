"""Discord's REST API failing under the running bot: a 5xx is retried, a refusal is logged (not raised), and
the memory update of the message is never lost."""

from __future__ import annotations

import logging

import pytest

from adapters.discord import DiscordAdapter
from bot.service import ChatService
from tests.adapters.discord.conftest import World, answers_to, memories_of


async def test_a_server_error_on_a_reply_is_retried(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    world.fake.failing_posts.append(502)
    message = await world.fake.send_message(
        world.alice, world.channel, f"{world.me} I like okapi-in-a-storm content"
    )
    failed, retried = await answers_to(world.fake, message, count=2)
    assert failed.payload()["content"] == retried.payload()["content"]
    assert any("okapi-in-a-storm" in m.text.lower() for m in await memories_of(service, world.alice))


async def test_a_refused_reply_is_a_log_line_and_the_bot_goes_on(
    world: World, bot: DiscordAdapter, service: ChatService, caplog: pytest.LogCaptureFixture
) -> None:
    world.fake.failing_posts.append(403)
    first = await world.fake.send_message(
        world.alice, world.channel, f"{world.me} I like ibex-unsent content"
    )
    await answers_to(world.fake, first)
    second = await world.fake.send_message(world.alice, world.channel, f"{world.me} and what about rust?")
    [answer] = await answers_to(world.fake, second)
    assert answer.payload()["content"]
    assert any("ibex-unsent" in m.text.lower() for m in await memories_of(service, world.alice))
    assert "could not post a Discord reply: 403" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_a_dropped_gateway_connection_is_resumed_and_answering_goes_on(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    first = await world.fake.send_message(
        world.alice, world.channel, f"{world.me} I like gnu-before-drop content"
    )
    await answers_to(world.fake, first)
    identified = len(world.fake.identifies)
    await world.fake.drop_connections()
    await world.fake.wait_for(lambda: len(world.fake.resumes) + len(world.fake.identifies) > identified)
    second = await world.fake.send_message(
        world.alice, world.channel, f"{world.me} I like gnu-after-drop content"
    )
    [answer] = await answers_to(world.fake, second)
    assert answer.payload()["content"]
    texts = [m.text.lower() for m in await memories_of(service, world.alice)]
    assert any("gnu-before-drop" in t for t in texts) and any("gnu-after-drop" in t for t in texts)

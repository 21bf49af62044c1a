"""The real Slack adapter (real Bolt, real HTTP on 127.0.0.1:0) in front of the real chat service, talking
to a fake Slack on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from adapters.slack import SlackAdapter
from bot.settings import Settings
from tests.adapters.slack.helpers import SlackHarness
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSender

if TYPE_CHECKING:
    from bot.service import ChatService


def slack_settings(settings: Settings, fake: FakeSlack, *, socket_mode: bool = False) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_signing_secret": None if socket_mode else SecretStr(SIGNING_SECRET),
            "slack_app_token": SecretStr(APP_TOKEN) if socket_mode else None,
            "slack_api_url": fake.api_url.rstrip("/"),  # the adapter must add the slash slack_sdk needs
            "slack_host": "127.0.0.1",
            "slack_port": 0,
        }
    )


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def slack(
    settings: Settings, service: ChatService, fake_slack: FakeSlack
) -> AsyncIterator[SlackHarness]:
    adapter = SlackAdapter(slack_settings(settings, fake_slack), service)
    serving = asyncio.create_task(adapter.start())
    await adapter.started()
    try:
        async with SlackSender(f"http://127.0.0.1:{adapter.port}/slack/events") as sender:
            yield SlackHarness(fake_slack, sender, adapter, service)
    finally:
        await adapter.stop()
        await serving

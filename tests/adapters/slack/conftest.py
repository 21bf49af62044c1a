"""The real Slack adapter (real Bolt, real HTTP on 127.0.0.1:0) in front of the real chat service, talking
to a fake Slack on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


@asynccontextmanager
async def running(settings: Settings, service: ChatService) -> AsyncIterator[SlackAdapter]:
    """A started adapter (HTTP on a free port, or Socket Mode), stopped on exit."""
    adapter = SlackAdapter(settings, service)
    serving = asyncio.create_task(adapter.start())
    try:
        await adapter.started()
        yield adapter
    finally:
        await adapter.stop()
        await serving


def events_url(adapter: SlackAdapter) -> str:
    return f"http://127.0.0.1:{adapter.port}/slack/events"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def slack(
    settings: Settings, service: ChatService, fake_slack: FakeSlack
) -> AsyncIterator[SlackHarness]:
    async with (
        running(slack_settings(settings, fake_slack), service) as adapter,
        SlackSender(events_url(adapter)) as sender,
    ):
        yield SlackHarness(fake_slack, sender, adapter, service)

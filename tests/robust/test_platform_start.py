"""`memorybot run` with a Discord or Slack token: "rejected" and "cannot reach" are different lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.discord import DiscordAdapter
from bot.errors import SettingsError
from bot.service import ChatService
from bot.settings import Settings
from tests.fakes.discord_server import FakeDiscord
from tests.robust.conftest import Cli, closed_port, last_line


async def test_discord_rejecting_the_token_says_so(settings: Settings, service: ChatService) -> None:
    async with FakeDiscord() as fake:
        wrong = settings.model_copy(
            update={
                "discord_token": SecretStr("abc"),
                "discord_api_url": fake.api_url,
                "discord_gateway_url": fake.gateway_url,
            }
        )
        with pytest.raises(SettingsError, match="Discord rejected DISCORD_TOKEN"):
            await DiscordAdapter(wrong, service).start()


def test_discord_out_of_reach_is_not_a_bad_token(cli: Cli) -> None:
    port = closed_port()
    result = cli(
        "run",
        env={
            "DISCORD_TOKEN": "abc",
            "DISCORD_API_URL": f"http://127.0.0.1:{port}/api/v10",
            "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/",
        },
    )
    assert result.exit_code == 1
    line = last_line(result)
    assert f"Cannot reach Discord at http://127.0.0.1:{port}/api/v10" in line
    assert "abc" not in line.replace("Cannot reach", "")


def test_slack_out_of_reach_is_not_a_bad_token(cli: Cli, tmp_path: Path) -> None:
    port = closed_port()
    result = cli(
        "run",
        env={
            "SLACK_BOT_TOKEN": "xoxb-1-secret-value",
            "SLACK_SIGNING_SECRET": "s" * 32,
            "SLACK_API_URL": f"http://127.0.0.1:{port}/api/",
            "SLACK_PORT": "0",
        },
    )
    assert result.exit_code == 1, result.stderr
    assert f"Cannot reach Slack at SLACK_API_URL=http://127.0.0.1:{port}/api/" in last_line(result)
    assert "secret-value" not in result.stderr

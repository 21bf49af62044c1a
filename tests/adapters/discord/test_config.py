"""Discord settings are checked before connecting, and every message says exactly what to set."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from adapters.discord import DiscordAdapter, validate_discord_settings
from bot.errors import SettingsError
from bot.settings import Settings


def with_discord(settings: Settings, **values: Any) -> Settings:
    base: dict[str, Any] = {"discord_token": SecretStr("abc.def.ghi")}
    base.update(values)
    return settings.model_copy(update=base)


def test_valid_settings_are_parsed(settings: Settings) -> None:
    config = validate_discord_settings(
        with_discord(
            settings,
            discord_guild_ids=" 111, 222 ",
            discord_shard_count=4,
            discord_shard_ids="1,3",
            discord_api_url="http://127.0.0.1:9/api/",
            discord_gateway_url="ws://127.0.0.1:9/gateway",
        )
    )
    assert config.token == "abc.def.ghi"
    assert config.guild_ids == (111, 222)
    assert (config.shard_count, config.shard_ids, config.sharded) == (4, (1, 3), True)
    assert config.api_url == "http://127.0.0.1:9/api/v10", "the API version is added when left out"
    assert config.gateway_url == "ws://127.0.0.1:9/gateway"
    assert "abc.def.ghi" not in repr(config)


def test_defaults_leave_discord_endpoints_alone(settings: Settings) -> None:
    config = validate_discord_settings(with_discord(settings, discord_guild_ids=""))
    assert (config.guild_ids, config.api_url, config.gateway_url, config.sharded) == ((), None, None, False)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"discord_token": None}, "DISCORD_TOKEN is not set"),
        ({"discord_token": SecretStr("   ")}, "DISCORD_TOKEN is not set"),
        ({"discord_token": SecretStr("Bot abc")}, "DISCORD_TOKEN contains whitespace"),
        ({"discord_guild_ids": "123,abc"}, "DISCORD_GUILD_IDS must be a comma-separated list of numbers"),
        ({"discord_guild_ids": "123,,456"}, "DISCORD_GUILD_IDS must be a comma-separated list of numbers"),
        ({"discord_guild_ids": "123,123"}, "DISCORD_GUILD_IDS lists 123 twice"),
        (
            {"discord_shard_ids": "0,x", "discord_shard_count": 2},
            "DISCORD_SHARD_IDS must be a comma-separated",
        ),
        ({"discord_shard_ids": "0,1"}, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
        ({"discord_shard_ids": "1,2,5", "discord_shard_count": 2}, "DISCORD_SHARD_IDS has 2, 5, outside"),
        ({"discord_api_url": "discord.com/api"}, "DISCORD_API_URL must be a http or https URL"),
        (
            {"discord_gateway_url": "https://gateway.discord.gg"},
            "DISCORD_GATEWAY_URL must be a ws or wss URL",
        ),
    ],
)
def test_bad_settings_say_what_to_set(settings: Settings, values: dict[str, Any], expected: str) -> None:
    bad = with_discord(settings, **values)
    with pytest.raises(SettingsError, match=expected):
        validate_discord_settings(bad)
    with pytest.raises(SettingsError, match=expected):
        DiscordAdapter(bad, service=None)  # type: ignore[arg-type]


def test_messages_name_an_example_value(settings: Settings) -> None:
    with pytest.raises(SettingsError) as caught:
        validate_discord_settings(with_discord(settings, discord_guild_ids="my-server"))
    message = str(caught.value)
    assert "DISCORD_GUILD_IDS=123456789012345678,234567890123456789" in message
    assert "'my-server'" in message
    with pytest.raises(SettingsError) as caught:
        validate_discord_settings(with_discord(settings, discord_shard_ids="3", discord_shard_count=2))
    assert "shard ids run from 0 to 1" in str(caught.value)


def test_the_token_never_appears_in_an_error(settings: Settings) -> None:
    with pytest.raises(SettingsError) as caught:
        validate_discord_settings(with_discord(settings, discord_token=SecretStr("sekrit tok")))
    assert "sekrit" not in str(caught.value)

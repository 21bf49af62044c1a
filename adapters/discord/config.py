"""Check the Discord settings once, before anything connects, and turn them into plain typed values.

Every message names the variable to set and shows a valid example: a half-configured bot should fail at
start-up with a fix, not minutes later with a gateway close code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.errors import SettingsError
from bot.settings import Settings

_DOCS = "see docs/discord.md"
API_VERSION = 10
"""The REST API version discord.py 2.x speaks."""


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    """The validated Discord part of `Settings`."""

    token: str
    guild_ids: tuple[int, ...] = ()
    """Guilds whose slash commands are synced directly (instant); empty = global commands."""
    api_url: str | None = None
    """REST base replacing discord.py's `Route.BASE`, e.g. `https://discord.com/api/v10`; None = Discord's."""
    gateway_url: str | None = None
    """Websocket URL replacing discord.py's default gateway; None = Discord's."""
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None or self.shard_ids is not None

    def __repr__(self) -> str:  # the token must never reach a log line
        return (
            f"DiscordConfig(guild_ids={self.guild_ids!r}, api_url={self.api_url!r}, "
            f"gateway_url={self.gateway_url!r}, shard_count={self.shard_count!r}, "
            f"shard_ids={self.shard_ids!r})"
        )


def _id_list(name: str, raw: str | None, example: str, hint: str) -> tuple[int, ...] | None:
    if raw is None or not raw.strip():
        return None
    ids: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part.isdigit():
            raise SettingsError(
                f"{name} must be a comma-separated list of numbers ({hint}), e.g. {name}={example}; "
                f"got {raw!r} ({_DOCS})"
            )
        value = int(part)
        if value in ids:
            raise SettingsError(f"{name} lists {value} twice; got {raw!r}")
        ids.append(value)
    return tuple(ids)


def _url(name: str, raw: str | None, schemes: tuple[str, ...], example: str) -> str | None:
    if raw is None or not raw.strip():
        return None
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise SettingsError(
            f"{name} must be a {' or '.join(schemes)} URL, e.g. {name}={example}; got {raw!r} "
            f"(leave it unset to use Discord's own)"
        )
    return value


def _api_base(raw: str | None) -> str | None:
    """discord.py's `Route.BASE` includes the API version; add it when the setting leaves it out."""
    value = _url("DISCORD_API_URL", raw, ("http", "https"), "https://discord.com/api/v10")
    if value is not None and not re.search(r"/v\d+$", value):
        value += f"/v{API_VERSION}"
    return value


def validate_discord_settings(settings: Settings) -> DiscordConfig:
    """Check the Discord settings and return them parsed.

    Raises:
        SettingsError: with a message naming the variable to set and an example value.
    """
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise SettingsError(
            "DISCORD_TOKEN is not set: create an application at https://discord.com/developers/applications, "
            "open Bot → Reset Token, and put the token in DISCORD_TOKEN (environment or .env; " + _DOCS + ")"
        )
    if any(ch.isspace() for ch in token):
        raise SettingsError(
            "DISCORD_TOKEN contains whitespace: paste the bot token alone, without 'Bot ' or quotes"
        )

    guild_ids = _id_list(
        "DISCORD_GUILD_IDS",
        settings.discord_guild_ids,
        "123456789012345678,234567890123456789",
        "server ids: enable Developer Mode, then right-click the server → Copy Server ID",
    )
    shard_ids = _id_list(
        "DISCORD_SHARD_IDS", settings.discord_shard_ids, "0,1", "the shards this process runs, counted from 0"
    )
    shard_count = settings.discord_shard_count
    if shard_ids is not None:
        if shard_count is None:
            raise SettingsError(
                "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT, the total number of shards across all "
                "processes (e.g. DISCORD_SHARD_COUNT=4 with DISCORD_SHARD_IDS=0,1 here and 2,3 elsewhere); "
                f"got DISCORD_SHARD_IDS={settings.discord_shard_ids!r}"
            )
        outside = [i for i in shard_ids if i >= shard_count]
        if outside:
            raise SettingsError(
                f"DISCORD_SHARD_IDS has {', '.join(map(str, outside))}, outside "
                f"DISCORD_SHARD_COUNT={shard_count}: "
                f"shard ids run from 0 to {shard_count - 1}"
            )
    return DiscordConfig(
        token=token,
        guild_ids=guild_ids or (),
        api_url=_api_base(settings.discord_api_url),
        gateway_url=_url(
            "DISCORD_GATEWAY_URL", settings.discord_gateway_url, ("ws", "wss"), "wss://gateway.discord.gg"
        ),
        shard_count=shard_count,
        shard_ids=shard_ids,
    )

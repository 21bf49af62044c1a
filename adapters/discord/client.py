"""The discord.py client: intents, sharding, and the hooks the adapter plugs into.

Intents are the minimum the bot needs: guilds (channels and threads in the cache), guild and DM messages, and
message content, a privileged intent that must also be switched on in the Developer Portal (docs/discord.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import discord

from adapters.discord.config import DiscordConfig

if TYPE_CHECKING:
    from adapters.discord._service import ChatServiceLike


class ClientHooks(Protocol):
    async def on_setup(self, client: discord.Client) -> None:
        """After login, before the gateway: the place to sync slash commands."""

    async def on_message(self, client: discord.Client, message: discord.Message) -> None: ...

    def on_connected(self, shard_id: int | None) -> None:
        """A gateway session (or one shard's) received READY."""


def intents() -> discord.Intents:
    return discord.Intents(guilds=True, guild_messages=True, dm_messages=True, message_content=True)


class MemorybotClient(discord.Client):
    """The client; it also carries the core, where the persistent buttons (views.py) find it on a click."""

    def __init__(self, hooks: ClientHooks, service: ChatServiceLike, **options: Any) -> None:
        # The bot never joins voice: skip discord.py's start-up warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(intents=intents(), allowed_mentions=discord.AllowedMentions.none(), **options)
        self.hooks = hooks
        self.service = service

    async def setup_hook(self) -> None:
        await self.hooks.on_setup(self)

    async def on_message(self, message: discord.Message) -> None:
        await self.hooks.on_message(self, message)

    async def on_connect(self) -> None:
        self.hooks.on_connected(None)


class ShardedMemorybotClient(MemorybotClient, discord.AutoShardedClient):
    """Runs the shards in `DISCORD_SHARD_IDS` (all of `DISCORD_SHARD_COUNT` when unset) in this process."""

    async def on_connect(self) -> None:
        pass  # fired per shard without its id; `on_shard_connect` says which

    async def on_shard_connect(self, shard_id: int) -> None:
        self.hooks.on_connected(shard_id)


def build_client(config: DiscordConfig, hooks: ClientHooks, service: ChatServiceLike) -> MemorybotClient:
    if not config.sharded:
        return MemorybotClient(hooks, service)
    shard_ids = list(config.shard_ids) if config.shard_ids is not None else None
    return ShardedMemorybotClient(hooks, service, shard_count=config.shard_count, shard_ids=shard_ids)

"""`DiscordAdapter`: connect one bot to Discord and route its events to the core's `ChatService`."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands

from adapters.discord.client import MemorybotClient, build_client
from adapters.discord.commands import build_tree, sync_commands
from adapters.discord.config import DiscordConfig, validate_discord_settings
from adapters.discord.endpoints import discord_endpoints
from adapters.discord.messages import MessageHandler
from adapters.discord.views import PERSISTENT_BUTTONS
from bot.errors import ServiceUnreachable, SettingsError
from bot.settings import Settings

if TYPE_CHECKING:
    from adapters.discord._service import ChatServiceLike

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0
ANSWER_GRACE_S = 10.0
"""On stop, answers already being written get this long to go out before the connection closes."""


class DiscordAdapter:
    """Runs the Discord bot until `stop()`.

    Args:
        settings: the `DISCORD_*` settings are validated here, so a bad value fails before any connection.
        service: the core; the adapter only translates to and from it.
    """

    def __init__(self, settings: Settings, service: ChatServiceLike) -> None:
        self.config: DiscordConfig = validate_discord_settings(settings)
        self.service = service
        self._messages = MessageHandler(service)
        self._client: MemorybotClient | None = None
        self._tree: app_commands.CommandTree[Any] | None = None
        self._ready = asyncio.Event()
        self._finished = asyncio.Event()
        self._failure: BaseException | None = None
        self._pending_shards: set[int | None] = set()

    @property
    def client(self) -> discord.Client:
        if self._client is None:
            raise RuntimeError("the Discord adapter has not started")
        return self._client

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in, sync slash commands, connect to the gateway, and serve until `stop()`.

        Raises:
            SettingsError: Discord rejected the token, or the Message Content intent is not enabled.
        """
        if self._client is not None:
            raise RuntimeError("a DiscordAdapter runs once; create a new one to reconnect")
        self._client = client = build_client(self.config, self, self.service)
        client.add_dynamic_items(*PERSISTENT_BUTTONS)  # clicks on any of our messages, from any run
        self._tree = build_tree(client, self.service)
        if self.config.sharded:
            self._pending_shards = set(self.config.shard_ids or range(self.config.shard_count or 1))
        else:
            self._pending_shards = {None}
        try:
            with discord_endpoints(self.config.api_url, self.config.gateway_url):
                await client.start(self.config.token)
        except discord.LoginFailure:
            error = SettingsError("Discord rejected DISCORD_TOKEN: reset the bot token and set it again")
            self._fail(error)
            raise error from None
        except (aiohttp.ClientConnectionError, OSError, TimeoutError) as exc:
            unreachable = ServiceUnreachable(
                f"Cannot reach Discord at {self.config.api_url or 'https://discord.com/api'} "
                f"({type(exc).__name__}): check the network connection"
                f"{' and DISCORD_API_URL' if self.config.api_url else ''}, then start again."
            )
            self._fail(unreachable)
            raise unreachable from None
        except discord.PrivilegedIntentsRequired:
            error = SettingsError(
                "Discord refused the Message Content intent: enable it in the Developer Portal under "
                "Bot → Privileged Gateway Intents (see docs/discord.md)"
            )
            self._fail(error)
            raise error from None
        except BaseException as exc:
            self._fail(exc)
            raise
        finally:
            if not client.is_closed():  # discord.py leaves its HTTP session open after a failed login
                await client.close()
            self._finished.set()
            if not self._ready.is_set():
                self._fail(RuntimeError("the Discord adapter stopped before it was ready"))

    async def stop(self) -> None:
        """Disconnect and wait until `start()` has returned (and discord.py's endpoints are restored)."""
        if self._client is None:
            return
        await self._messages.finish(ANSWER_GRACE_S)
        await self._client.close()
        await asyncio.wait_for(self._finished.wait(), STOP_TIMEOUT_S)

    async def wait_ready(self) -> None:
        """Return once every shard of this process has connected and slash commands were synced.

        Raises:
            the error that ended `start()` when it failed first.
        """
        await self._ready.wait()
        if self._failure is not None:
            raise self._failure

    def _fail(self, exc: BaseException) -> None:
        if self._failure is None:
            self._failure = exc
        self._ready.set()

    # --- client hooks ------------------------------------------------------------------------------

    async def on_setup(self, client: discord.Client) -> None:
        if self._tree is not None:
            await sync_commands(self._tree, self.config.guild_ids)

    async def on_message(self, client: discord.Client, message: discord.Message) -> None:
        if client.user is not None:
            await self._messages(message, client.user)

    def on_connected(self, shard_id: int | None) -> None:
        self._pending_shards.discard(shard_id)
        if not self._pending_shards and not self._ready.is_set():
            log.info("connected to Discord as %s", self._client.user if self._client else "?")
            self._ready.set()

"""Decide whether a Discord message is for us, hand it to the core, and post the answer.

The bot speaks when mentioned in a server channel, in every DM, and in threads it has joined or answered in.
Everything it sends carries `AllowedMentions.none()`, so an answer that quotes "@everyone" pings no one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import discord

from adapters.discord.convert import is_from_person, mentions_me, to_incoming
from adapters.discord.render import discord_help, render_reply, split_message
from bot.types import IncomingMessage

if TYPE_CHECKING:
    from adapters.discord._service import ChatServiceLike

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
TYPING_REFRESH_S = 8.0
"""Discord shows "typing…" for about 10 s per request; refresh a little before it lapses."""
FAILURE_TEXT = "Sorry, something went wrong on my side; please try again in a moment."


@contextlib.asynccontextmanager
async def _typing(channel: discord.abc.Messageable) -> AsyncIterator[None]:
    """Show "typing…" while the core thinks; a missing permission must not stop the answer."""

    async def keep_typing() -> None:
        while True:
            with contextlib.suppress(discord.HTTPException):
                await channel.typing()
            await asyncio.sleep(TYPING_REFRESH_S)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class MessageHandler:
    """`on_message` for the adapter's client."""

    def __init__(self, service: ChatServiceLike) -> None:
        self.service = service
        self._threads: set[int] = set()
        """Threads we answered in: Discord adds the bot to them, and it keeps listening there."""
        self._answering: set[asyncio.Task[object]] = set()
        self._closing = False

    def should_answer(self, message: discord.Message, me: discord.abc.User) -> bool:
        if not is_from_person(message):
            return False
        channel = message.channel
        if isinstance(channel, discord.DMChannel):
            return True
        if mentions_me(message, me):
            return True
        if isinstance(channel, discord.Thread):
            return channel.id in self._threads or channel.owner_id == me.id or channel.me is not None
        return False

    async def __call__(self, message: discord.Message, me: discord.abc.User) -> None:
        if self._closing or not self.should_answer(message, me):
            return
        task = asyncio.current_task()
        if task is not None:
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)
        if isinstance(message.channel, discord.Thread):
            self._threads.add(message.channel.id)  # before answering: the next message may already be in
        incoming = to_incoming(message, me)
        async with _typing(message.channel):
            text = await self._answer(incoming)
        try:
            await self._send(message, text)
        except discord.HTTPException as exc:
            # discord.py already retried what can be retried (5xx, 429); the memory update is queued already.
            log.warning("could not post a Discord reply: %s %s", exc.status, exc.text[:200])

    async def finish(self, within_s: float) -> None:
        """Stop taking new messages and give the answers in progress up to `within_s` to be sent."""
        self._closing = True
        if self._answering:
            await asyncio.wait(set(self._answering), timeout=within_s)

    async def _answer(self, incoming: IncomingMessage) -> str:
        if not incoming.text:  # a bare mention: say what the bot can do
            return discord_help(self.service.help_text())
        try:
            return render_reply(await self.service.handle(incoming))
        except Exception:
            log.exception("answering message %s failed", incoming.message_id)
            return FAILURE_TEXT

    async def _send(self, message: discord.Message, text: str) -> None:
        first, *rest = split_message(text) or [FAILURE_TEXT]
        reference = message.to_reference(fail_if_not_exists=False)
        await message.channel.send(first, reference=reference, allowed_mentions=NO_PINGS)
        for chunk in rest:
            await message.channel.send(chunk, allowed_mentions=NO_PINGS)

"""How tests talk to a `ChatService` as a console user: who is speaking, one message with its update
applied, what is remembered, and a console adapter with scripted answers."""

from __future__ import annotations

import io

from rich.console import Console

from adapters.console import ConsoleAdapter
from bot.service import ChatService
from bot.types import ChatIdentity, IncomingMessage


def who(name: str, channel: str = "c1", thread: str | None = None) -> ChatIdentity:
    return ChatIdentity(platform="console", user=name, channel=channel, thread=thread)


async def say(service: ChatService, name: str, text: str, **kw: str) -> list[str]:
    """The tags of the reply, once the message's memory update has been applied."""
    reply = await service.handle(IncomingMessage(who(name), text, **kw))
    await service.drain()
    return reply.tags


async def memory_texts(service: ChatService, name: str) -> list[str]:
    return [m.text for m in (await service.list_memories(who(name), limit=100)).items]


def console_for(service: ChatService, name: str, answers: str = "") -> tuple[ConsoleAdapter, io.StringIO]:
    """A console for `name` whose prompts read `answers`; the screen is returned to be read."""
    screen = io.StringIO()
    adapter = ConsoleAdapter(
        service,
        user=name,
        stdin=io.StringIO(answers),
        console=Console(file=screen, width=200, highlight=False),
    )
    return adapter, screen

"""The memory controls in the console chat: the same commands, answered in the terminal."""

from __future__ import annotations

import re

from bot.controls import messages as say
from bot.service import ChatService
from bot.types import ChatIdentity
from tests.chat import console_for


async def test_every_control_in_the_console(service: ChatService) -> None:
    ann, screen = console_for(service, "ann", answers="y\n")
    await ann.handle_line("/help")
    assert all(c in screen.getvalue() for c in ("/memories pause", "/remember", "/memories edit", "/link"))
    await ann.handle_line("/memories pause")
    await ann.handle_line("I like numbat content")
    await service.drain()
    assert say.PAUSED in screen.getvalue() and "note: " + say.PAUSED_NOTICE in screen.getvalue()
    await ann.handle_line("/memories resume")
    await ann.handle_line("/remember My cat is called Miso")
    memories = (await service.list_memories(ann.identity, limit=10)).items
    assert [m.text for m in memories] == ["My cat is called Miso"]
    await ann.handle_line(f"/memories edit {memories[0].id[:8]} My cat is called Tofu")
    await ann.handle_line("/memories retention 30d")
    await ann.handle_line("/memorybot memory off")
    assert say.SWITCH_CONSOLE in screen.getvalue()

    await ann.handle_line("/link")
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", screen.getvalue())
    assert code is not None
    discord_ann = ChatIdentity(platform="discord", user="111")
    await service.remember(discord_ann, "My dog is called Rex")
    assert (await service.link(discord_ann, code.group(0))).startswith("Linked")
    await ann.handle_line("/memories")
    shown = screen.getvalue()
    assert "Linked with: Discord 111" in shown and "Tofu" in shown and "Rex" in shown and "30 days" in shown

    await ann.handle_line("/forget all")  # answers "y" to the confirmation, then nothing: this account only
    assert (await service.list_memories(ann.identity, limit=10)).total == 1  # Rex, on the linked account
    assert [m.text for m in (await service.list_memories(discord_ann)).items] == ["My dog is called Rex"]
    await ann.handle_line("/unlink")
    assert "Unlinked from Discord 111" in screen.getvalue()
    assert (await service.list_memories(ann.identity)).total == 0

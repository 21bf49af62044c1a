"""The console chat in process: paging through `/memories`, and faults answered as one `bot>` line."""

from __future__ import annotations

import io

from rich.console import Console

from adapters.console import ConsoleAdapter
from bot.identity import user_id_for
from bot.service import ChatService


def _adapter(service: ChatService, typed: str = "") -> tuple[ConsoleAdapter, io.StringIO]:
    screen = io.StringIO()
    console = Console(file=screen, width=80, highlight=False, soft_wrap=True, color_system=None)
    return ConsoleAdapter(service, user="pia", console=console, stdin=io.StringIO(typed)), screen


async def test_memories_page_through_fourteen(service: ChatService) -> None:
    adapter, screen = _adapter(service)
    owner = user_id_for(adapter.identity)
    for n in range(14):
        await service.store.add(owner, f"Likes topic number {n}", category="fact")

    await adapter.handle_line("/memories")
    first = screen.getvalue()
    assert "1–10 of 14 — /memories page 2 shows more" in first
    assert all(len(line) <= 80 for line in first.splitlines())

    screen.truncate(0)
    screen.seek(0)
    await adapter.handle_line("/memories page 2")
    second = screen.getvalue()
    assert "11–14 of 14" in second and "shows more" not in second
    assert second.count("Likes topic number") == 4

    screen.truncate(0)
    screen.seek(0)
    await adapter.handle_line("/memories page 9")
    assert "only 2 page(s): try /memories page 2" in screen.getvalue()
    await adapter.handle_line("/memories page two")
    assert "Usage: /memories" in screen.getvalue()


async def test_a_fault_during_the_chat_is_one_line_and_the_chat_goes_on(service: ChatService) -> None:
    adapter, screen = _adapter(service, typed="yes\n")
    service.queue.close()  # the queue's database went away under the chat
    await adapter.handle_line("/forget all")
    await adapter.handle_line("/foo")
    lines = screen.getvalue().splitlines()
    assert "Traceback" not in screen.getvalue()
    assert "bot> A memorybot database" in lines[0], lines
    assert "I don't know the command /foo" in lines[-1]

"""A line-oriented chat on stdin/stdout. Slash commands map onto the core's memory commands."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from rich.console import Console
from rich.table import Table

from bot import messages
from bot.controls.messages import SWITCH_CONSOLE
from bot.service import ChatService
from bot.text import is_blank
from bot.types import ChatIdentity, IncomingMessage, Reply
from memory.ids import short_id
from memory.types import MemoryPage

PAGE_SIZE = 10
CONTROL_SUBCOMMANDS = frozenset({"pause", "resume", "edit", "retention"})


class ConsoleAdapter:
    def __init__(
        self, service: ChatService, *, user: str, stdin: TextIO | None = None, console: Console | None = None
    ) -> None:
        self._service = service
        self._stdin = stdin or sys.stdin
        self._out = console or Console(highlight=False, soft_wrap=True)
        # One console run is one conversation (session).
        self.identity = ChatIdentity(
            platform="console",
            user=user,
            channel="console",
            thread=str(int(time.time() * 1000)),
            display_name=user,
        )
        self._count = 0

    async def _readline(self, prompt: str) -> str | None:
        self._out.print(prompt, end="")
        line = await asyncio.to_thread(self._stdin.readline)
        return None if line == "" else line.rstrip("\n")

    async def start(self) -> None:
        self._out.print(
            f"memorybot — chatting as [bold]{self.identity.user}[/]. Type /help for commands, /quit to leave."
        )
        while True:
            line = await self._readline("you> ")
            if line is None or line.strip() in ("/quit", "/exit"):
                break
            if is_blank(line):  # Enter on an empty line: just ask again
                continue
            await self.handle_line(line)
        await self._service.drain()

    async def handle_line(self, line: str) -> None:
        stripped = line.strip()
        command, _, arg = stripped.partition(" ")
        arg = arg.strip()
        if command == "/help":
            self._out.print(self._service.help_text(), markup=False)
        elif (command == "/memories" and arg == "export") or command == "/export":
            self._out.print(await self._service.export(self.identity), markup=False)
        elif command == "/memories" and arg.split(" ", 1)[0].lower() in CONTROL_SUBCOMMANDS:
            self._out.print(await self._control(arg), markup=False)
        elif command == "/memories":
            await self._show_memories(arg or None)
        elif command == "/forget":
            await self._forget(arg)
        elif command == "/remember":
            self._out.print(await self._service.remember(self.identity, arg), markup=False)
        elif command == "/link":
            self._out.print(await self._service.link(self.identity, arg or None), markup=False)
        elif command == "/unlink":
            self._out.print(await self._service.unlink(self.identity), markup=False)
        elif command == "/memorybot":
            self._out.print(SWITCH_CONSOLE, markup=False)
        else:
            self._count += 1
            message = IncomingMessage(self.identity, line, message_id=f"{self.identity.thread}-{self._count}")
            self.render(await self._service.handle(message))

    def render(self, reply: Reply) -> None:
        self._out.print(f"bot> {reply.text}", markup=False)
        if reply.tags:
            self._out.print("tags: " + ", ".join(reply.tags), markup=False)
        for notice in reply.notices:
            self._out.print(f"note: {notice}", markup=False)

    async def _control(self, arg: str) -> str:
        """`/memories pause|resume|edit <id> <text>|retention <30d|off>`."""
        sub, _, rest = arg.partition(" ")
        sub, rest = sub.lower(), rest.strip()
        if sub == "pause":
            return await self._service.pause_memory(self.identity)
        if sub == "resume":
            return await self._service.resume_memory(self.identity)
        if sub == "edit":
            memory_id, _, text = rest.partition(" ")
            return await self._service.edit(self.identity, memory_id, text)
        return await self._service.set_retention(self.identity, rest)

    async def _show_memories(self, query: str | None) -> None:
        for line in await self._service.memory_settings(self.identity):
            self._out.print(line, markup=False)
        page = await self._service.list_memories(self.identity, limit=PAGE_SIZE, query=query)
        self._out.print(memory_table(page) if page.items else messages.NO_MEMORIES)

    async def _forget(self, arg: str) -> None:
        if not arg:
            self._out.print("Usage: /forget <id> or /forget all")
        elif arg == "all":
            answer = await self._readline(f"{messages.FORGET_ALL_CONFIRM} Type 'yes' to confirm: ")
            if (answer or "").strip().lower() not in ("y", "yes"):
                self._out.print("Nothing was forgotten.")
                return
            linked = await self._service.linked_identities(self.identity)
            if linked:
                question = f"Also erase the accounts linked with this one ({', '.join(linked)})? [y/N] "
                if ((await self._readline(question)) or "").strip().lower() in ("y", "yes"):
                    token = self._service.forget_all_linked_token(self.identity)
                    count = await self._service.confirm_forget_all_linked(self.identity, token)
                    self._out.print(messages.forget_all_done(count or 0))
                    return
            token = self._service.forget_all_token(self.identity)
            count = await self._service.confirm_forget_all(self.identity, token)
            self._out.print(messages.forget_all_done(count or 0))
        else:
            ok = await self._service.forget(self.identity, arg)
            self._out.print(messages.FORGET_ONE_DONE if ok else messages.FORGET_ONE_MISSING)


def memory_table(page: MemoryPage) -> Table:
    table = Table(title=f"Your memories ({page.total})", show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("kind")
    table.add_column("memory")
    table.add_column("when", no_wrap=True)
    for record in page.items:
        when = record.created_at.strftime("%Y-%m-%d %H:%M") if record.created_at else ""
        table.add_row(short_id(record.id), record.category, record.text, when)
    return table

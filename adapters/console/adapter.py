"""A line-oriented chat on stdin/stdout. Slash commands map onto the core's memory commands.

Every line is answered inside one error boundary (`bot.errors.explain`): a fault is one `bot>` line, the chat
goes on. Ctrl-C or Ctrl-D at the prompt ends the chat at once with a goodbye; memory updates already queued
are durable and applied by the next run if this one does not get to them.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from typing import TextIO

from rich.console import Console
from rich.table import Table

from bot import messages
from bot.controls.messages import SWITCH_CONSOLE
from bot.errors import explain
from bot.service import ChatService
from bot.text import is_blank
from bot.types import ChatIdentity, IncomingMessage, Reply
from memory.ids import short_id
from memory.types import MemoryPage

log = logging.getLogger(__name__)

PAGE_SIZE = 10
CONTROL_SUBCOMMANDS = frozenset({"pause", "resume", "edit", "retention"})
GOODBYE = "Goodbye."
USAGE_MEMORIES = (
    "Usage: /memories [query], /memories page N [query], /memories export, /memories pause|resume, "
    "/memories edit <id> <text>, /memories retention <30d|off>"
)


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
        """One line, or None at end of input. The read runs in a daemon thread of its own: a thread of the
        default executor would keep `asyncio.run` from returning after Ctrl-C until Enter is pressed."""
        self._out.print(prompt, end="")
        loop = asyncio.get_running_loop()
        line: asyncio.Future[str] = loop.create_future()

        def read() -> None:
            try:
                text = self._stdin.readline()
            except (OSError, ValueError) as exc:  # stdin closed under us
                text = ""
                log.debug("stdin closed: %s", exc)
            try:
                loop.call_soon_threadsafe(_resolve, line, text)
            except RuntimeError:  # the chat ended (Ctrl-C) while this thread waited for a line
                pass

        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        text = await line
        return None if text == "" else text.rstrip("\n")

    async def start(self) -> None:
        self._out.print(
            f"memorybot — chatting as [bold]{self.identity.user}[/]. Type /help for commands, /quit to leave."
        )
        try:
            while True:
                line = await self._readline("you> ")
                if line is None or line.strip() in ("/quit", "/exit"):
                    break
                if is_blank(line):  # Enter on an empty line: just ask again
                    continue
                await self.handle_line(line)
        except (KeyboardInterrupt, asyncio.CancelledError):
            # Ctrl-C: asyncio.run cancels the chat; ending normally here makes it a plain exit (status 0),
            # as leaving a chat is. Updates already queued are durable; the next run applies any left.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            self._out.print(f"\n{GOODBYE}")
            return
        self._out.print(GOODBYE)
        await self._service.drain()

    async def handle_line(self, line: str) -> None:
        """Answer one line; whatever fails becomes one `bot>` line and the chat goes on."""
        try:
            await self._dispatch(line)
        except Exception as exc:
            self._out.print(f"bot> {_explain(exc)}", markup=False)

    async def _dispatch(self, line: str) -> None:
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
            await self._show_memories(arg)
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

    async def _show_memories(self, arg: str) -> None:
        number, query = parse_memories_argument(arg)
        if number is None:
            self._out.print(USAGE_MEMORIES)
            return
        for line in await self._service.memory_settings(self.identity):
            self._out.print(line, markup=False)
        offset = (number - 1) * PAGE_SIZE
        page = await self._service.list_memories(self.identity, offset=offset, limit=PAGE_SIZE, query=query)
        if not page.items:
            if page.total:
                last = (page.total - 1) // PAGE_SIZE + 1
                self._out.print(f"There are only {last} page(s): try /memories page {last}.")
            else:
                self._out.print("I have no memories about that." if query else messages.NO_MEMORIES)
            return
        self._out.print(memory_table(page))
        self._out.print(page_footer(page, query), markup=False)

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


def _resolve(future: asyncio.Future[str], text: str) -> None:
    if not future.done():  # cancelled by Ctrl-C meanwhile
        future.set_result(text)


def parse_memories_argument(arg: str) -> tuple[int | None, str | None]:
    """`/memories [page N] [query]` → (page number from 1, query). Page None: the number is not valid."""
    words = arg.split()
    if words[:1] == ["page"] and len(words) >= 2:
        if not words[1].isdigit() or int(words[1]) < 1 or len(words[1]) > 6:
            return None, None
        return int(words[1]), " ".join(words[2:]) or None
    return 1, arg or None


def page_footer(page: MemoryPage, query: str | None) -> str:
    """ "10 of 14 — /memories page 2 shows more": where the listing is and how to go on."""
    first, last = page.offset + 1, page.offset + len(page.items)
    shown = f"{first}–{last} of {page.total}"
    if not page.has_next:
        return shown
    following = page.offset // max(page.limit, 1) + 2
    return f"{shown} — /memories page {following}{' ' + query if query else ''} shows more"


def memory_table(page: MemoryPage) -> Table:
    table = Table(title=f"Your memories ({page.total})", show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("memory", overflow="fold", ratio=1)
    table.add_column("when", no_wrap=True)
    for record in page.items:
        when = record.created_at.strftime("%Y-%m-%d %H:%M") if record.created_at else ""
        table.add_row(short_id(record.id), record.category, record.text, when)
    return table


def _explain(exc: Exception) -> str:
    """The one line a person sees about a fault during the chat; unexpected ones leave a traceback in the
    log file for whoever fixes it."""
    from memory.store import MemoryUnavailable

    if isinstance(exc, MemoryUnavailable):
        return "My memory is unavailable right now; try that again in a moment."
    explained = explain(exc)
    if explained.expected:
        return explained.message
    from bot.logs import record_unexpected

    where = record_unexpected(exc, "the console chat")
    return "Sorry, something went wrong on my side." + (f" (details in {where})" if where else "")

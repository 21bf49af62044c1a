"""Turn core replies and memory pages into what Discord accepts.

Discord rejects a message over 2,000 characters (HTTP 400, code 50035) and an embed whose description is over
4,096 or whose text adds up to more than 6,000. Long answers are therefore split between lines, never inside
a word, and a code block is only ever cut when it is itself too long for one message, in which case every
part is closed and reopened with the same fence so each message renders as code on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from bot.types import Reply
from memory.types import MemoryPage, MemoryRecord

MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TITLE_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
MEMORY_TEXT_LIMIT = 600
"""Per memory in a page of five: five of these plus their metadata lines stay under the description limit."""

_FENCE = re.compile(r"^\s*```")
_ELLIPSIS = "…"


def truncate(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` characters, at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip() + _ELLIPSIS


# --- splitting -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Unit:
    """A piece that is kept whole when it fits: one line of prose, or a whole fenced code block."""

    text: str
    fence: str | None = None
    """The opening fence line (e.g. "```py") when the unit is a code block."""


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    block: list[str] | None = None
    for line in text.split("\n"):
        if block is None:
            if _FENCE.match(line):
                block = [line]
            else:
                units.append(_Unit(line))
        else:
            block.append(line)
            if _FENCE.match(line):
                units.append(_Unit("\n".join(block), fence=block[0].strip()))
                block = None
    if block is not None:  # an unclosed fence runs to the end, as Discord renders it; close it
        units.append(_Unit("\n".join([*block, "```"]), fence=block[0].strip()))
    return units


def _split_words(line: str, limit: int) -> list[str]:
    """Pack whitespace-separated words into lines of at most `limit`; only a word longer than that is cut."""
    pieces: list[str] = []
    current = ""
    for word in line.split():
        while len(word) > limit:  # nothing else fits: a 2,000-character "word" must be cut somewhere
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= limit:
            current += " " + word
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces


def _split_block(unit: _Unit, limit: int) -> list[str]:
    """Cut an oversized code block between its lines into self-contained fenced blocks."""
    assert unit.fence is not None
    opening, closing = unit.fence, "```"
    room = limit - len(opening) - len(closing) - 2
    body = unit.text.split("\n")[1:-1]
    lines = [piece for line in body for piece in ([line] if len(line) <= room else _split_words(line, room))]
    blocks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + 1 + len(line) > room:
            blocks.append("\n".join([opening, *current, closing]))
            current, size = [], 0
        size += len(line) + (1 if current else 0)
        current.append(line)
    if current or not blocks:
        blocks.append("\n".join([opening, *current, closing]))
    return blocks


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into messages of at most `limit` characters.

    Cuts fall between lines, a code block that fits in one message is never split, and words are kept whole
    (only a single word longer than `limit` has to be cut). Blank lines at the cut points are dropped.
    """
    if limit < 20:
        raise ValueError("limit too small to hold a fenced code block")
    pieces: list[str] = []
    for unit in _units(text):
        if len(unit.text) <= limit:
            pieces.append(unit.text)
        elif unit.fence is not None:
            pieces.extend(_split_block(unit, limit))
        else:
            pieces.extend(_split_words(unit.text, limit))

    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        if current and size + 1 + len(piece) > limit:
            chunks.append("\n".join(current))
            current, size = [], 0
        if not current and not piece.strip():
            continue  # no message starts with blank lines
        size += len(piece) + (1 if current else 0)
        current.append(piece)
    if current:
        chunks.append("\n".join(current))
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


# --- replies ---------------------------------------------------------------------------------------


def render_reply(reply: Reply) -> str:
    """The full answer as Discord markdown: the core's text, its tags, then what it drew on and notices in
    small print (`-#`)."""
    parts = [reply.text.strip()]
    if reply.tags:
        parts.append("**Tags:** " + " · ".join(f"`{tag.replace('`', '')}`" for tag in reply.tags))
    if reply.memories_used:
        remembered = "; ".join(truncate(" ".join(m.split()), 200) for m in reply.memories_used)
        parts.append(f"-# Remembered: {remembered}")
    parts.extend(f"-# {' '.join(notice.split())}" for notice in reply.notices)
    return "\n".join(part for part in parts if part)


DISCORD_COMMANDS = (
    "-# On Discord: `/memories list [query]`, `/memories export`, `/memories pause`, `/memories resume`, "
    "`/memories edit id:<id> text:<text>`, `/memories retention days:<30d|off>`, `/remember text:<text>`, "
    "`/link [code]`, `/unlink`, `/forget memory id:<id>`, `/forget all`, `/memorybot memory off|on|status` "
    "(server admins), `/help`. Mention me in a channel, or DM me."
)


def discord_help(core_help: str) -> str:
    """The core's help, followed by the exact Discord spelling of its commands (subcommands here)."""
    return f"{core_help.strip()}\n{DISCORD_COMMANDS}"


# --- memory pages ----------------------------------------------------------------------------------


def _memory_lines(number: int, record: MemoryRecord) -> str:
    when = record.created_at.strftime("%Y-%m-%d") if record.created_at else "undated"
    text = truncate(" ".join(record.text.split()), MEMORY_TEXT_LIMIT)
    return f"**{number}.** {text}\n-# {record.category} · {when} · id `{record.id}`"


def memories_embed(page: MemoryPage, *, query: str | None = None) -> discord.Embed:
    """One page of the caller's memories, numbered to match the page's delete buttons."""
    title = "Your memories" if not query else f"Your memories about “{truncate(query, 200)}”"
    lines = [_memory_lines(page.offset + n, record) for n, record in enumerate(page.items, start=1)]
    description = truncate("\n\n".join(lines), EMBED_DESCRIPTION_LIMIT)
    embed = discord.Embed(title=truncate(title, EMBED_TITLE_LIMIT), description=description)
    first, last = page.offset + 1, page.offset + len(page.items)
    embed.set_footer(text=f"{first}–{last} of {page.total} · newest first · only you can see this")
    return embed

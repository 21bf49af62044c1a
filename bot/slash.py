"""Text that looks like a chat command but reached the conversation: answered, never tagged or stored.

Someone who types `/forget all` where the platform does not run it as a command must not be told "tags:
forget" and have the sentence kept as a memory: they would believe something was forgotten. Only a first
word shaped like a command counts, so paths and subreddits (`/usr/bin`, `/r/python`) are still ordinary text.
"""

from __future__ import annotations

import re

_COMMAND = re.compile(r"^/([A-Za-z][A-Za-z0-9_-]{0,31})(?:\s|$)")
KNOWN = frozenset(
    {"memories", "forget", "export", "help", "quit", "exit", "remember", "link", "unlink", "memorybot"}
)


def command_name(text: str) -> str | None:
    """The command a message starts with (`/foo bar` → `foo`), or None when it is ordinary text."""
    match = _COMMAND.match(text.lstrip())
    return match.group(1).lower() if match else None


def unknown_command_reply(name: str) -> str:
    """What to answer instead of tagging a command-like message."""
    if name in KNOWN:
        return f"/{name} is a command I can't run from here. Try /help to see how to use it."
    return f"I don't know the command /{name}. Try /help to see what I can do."

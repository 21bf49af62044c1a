"""Shared helpers for the memory-control tests: identities, talking, and fingerprints of the data files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.service import ChatService
from bot.types import ChatIdentity, IncomingMessage, Reply

CONTROL_FILES = ("controls.db", "audit.log")
"""The controls' own files: pause state and audit lines live there, never memories."""


def console(name: str, *, channel: str = "c1", thread: str | None = None) -> ChatIdentity:
    return ChatIdentity(platform="console", user=name, channel=channel, thread=thread)


def slack(user: str, *, team: str = "T1", channel: str = "C1", thread: str | None = None) -> ChatIdentity:
    return ChatIdentity(
        platform="slack", user=user, workspace=team, server=team, channel=channel, thread=thread
    )


def discord(
    user: str, *, guild: str | None = "900", channel: str = "700", thread: str | None = None
) -> ChatIdentity:
    return ChatIdentity(platform="discord", user=user, server=guild, channel=channel, thread=thread)


async def talk(service: ChatService, identity: ChatIdentity, text: str) -> Reply:
    reply = await service.handle(IncomingMessage(identity, text))
    await service.drain()
    return reply


async def texts(service: ChatService, identity: ChatIdentity) -> list[str]:
    page = await service.list_memories(identity, limit=100)
    return [m.text for m in page.items]


def fingerprint(data_dir: Path) -> dict[str, str]:
    """Every file of the store, hashed, except the controls' own."""
    return {
        str(path.relative_to(data_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(data_dir.rglob("*"))
        if path.is_file() and not path.name.startswith(CONTROL_FILES)
    }


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]

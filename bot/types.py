"""Neutral message types shared by the core and every adapter.

Adapters normalise a platform event into an `IncomingMessage` first and decide nothing; the core answers with
a `Reply` that adapters render in their own format.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

Platform = Literal["console", "slack", "discord"]


@dataclass(frozen=True, slots=True)
class ChatIdentity:
    """Who is speaking and where; the memory ids are derived from this in one place (`bot.identity`)."""

    platform: Platform
    user: str
    """The platform's own user id (Slack `U123`, Discord snowflake, console name)."""
    workspace: str | None = None
    """Slack enterprise id or team id (the user's own team in Slack Connect); unused elsewhere."""
    channel: str | None = None
    """Channel / DM id; with `thread` it names the conversation (session)."""
    thread: str | None = None
    """Thread id (Slack root `thread_ts`, Discord thread channel id)."""
    display_name: str | None = None
    """For friendly replies only; never part of any id."""
    server: str | None = None
    """The Discord server (guild) or Slack workspace the conversation is in, where an admin may switch memory
    off; None in DMs and the console. Never part of a memory id."""


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    identity: ChatIdentity
    text: str
    message_id: str | None = None
    """Platform message id; with the platform it is the idempotency key of the memory update."""
    link: str | None = None
    """Permalink to the message when the platform gives one; stored as the memory's source."""
    received_at: float = field(default_factory=time.time, compare=False)
    """When the bot got it (epoch seconds): a forget-all after this moment keeps its update out of memory."""


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    tags: list[str] = field(default_factory=list)
    memories_used: list[str] = field(default_factory=list)
    """Texts of the memories the agent drew on (only the speaker's own)."""
    notices: list[str] = field(default_factory=list)
    """Out-of-band remarks: input cut, memory unavailable, link not fetched."""

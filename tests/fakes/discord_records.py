"""What the fake Discord saw the bot do, and how tests wait for it without sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.discord_payloads import JSON


@dataclass
class Recorded:
    """One REST request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: dict[str, bytes] = field(default_factory=dict)
    via: str | None = None
    """The label in the URL the bot was given (`FakeDiscord.api_url_via`): which process made the request."""

    def payload(self) -> JSON:
        return self.json if isinstance(self.json, dict) else {}


@dataclass(frozen=True)
class Delivery:
    """One gateway event sent to one session: which shard of which process received it."""

    event: str
    id: str
    """The message's or interaction's id."""
    shard: int
    via: str | None


@dataclass
class Interaction:
    """An interaction the fake sent, and the bot's answers to it."""

    id: int
    token: str
    payload: JSON
    message_id: int | None = None
    """For a button click: the message carrying the button (what `@original` edits)."""
    created: list[int] = field(default_factory=list)
    """Messages the bot created in answer (callback message, follow-ups), oldest first."""


class RequestLog:
    """The bot's REST requests, in order; every wait re-checks its condition whenever something arrives."""

    application_id: int

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._changed = asyncio.Condition()

    def record(self, request: Recorded) -> None:
        self.requests.append(request)

    async def wait_for(self, predicate: Callable[[], Any], within_s: float = 20.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked on every request or gateway event)."""
        async with asyncio.timeout(within_s), self._changed:
            while not (result := predicate()):
                await self._changed.wait()
            return result

    def sent_to(self, channel: JSON) -> list[Recorded]:
        """Messages the bot posted in `channel`, oldest first."""
        path = f"/channels/{channel['id']}/messages"
        return [r for r in self.requests if r.method == "POST" and r.path == path]

    def followups(self, interaction: Interaction) -> list[Recorded]:
        path = f"/webhooks/{self.application_id}/{interaction.token}"
        return [r for r in self.requests if r.method == "POST" and r.path == path]

    def callbacks(self, interaction: Interaction) -> list[Recorded]:
        path = f"/interactions/{interaction.id}/{interaction.token}/callback"
        return [r for r in self.requests if r.path == path]

    def edits(self, interaction: Interaction) -> list[Recorded]:
        prefix = f"/webhooks/{self.application_id}/{interaction.token}/messages/"
        return [r for r in self.requests if r.method == "PATCH" and r.path.startswith(prefix)]

    async def wait_followup(self, interaction: Interaction, count: int = 1) -> Recorded:
        result: list[Recorded] = await self.wait_for(
            lambda: self.followups(interaction) if len(self.followups(interaction)) >= count else None
        )
        return result[count - 1]

    async def wait_edit(self, interaction: Interaction) -> Recorded:
        result: list[Recorded] = await self.wait_for(lambda: self.edits(interaction))
        return result[0]

    async def wait_callback(self, interaction: Interaction) -> Recorded:
        result: list[Recorded] = await self.wait_for(lambda: self.callbacks(interaction))
        return result[0]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

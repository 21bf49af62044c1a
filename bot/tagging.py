"""What the tagging agent gets (`TagDeps`) and what it returns (`TagResult`), apart from how it is built.

These live apart from `bot.agent` so that the offline model, the tag policy and the service can share them
without importing the agent factory (and each other).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from bot.types import ChatIdentity
from bot.understanding.operations import Operation
from bot.understanding.preferences import Profile
from memory.types import MemoryRecord

Similarity = Callable[[str, Sequence[str]], list[float]]
"""Cosine similarity of one text to each of several, both sides embedded the same way (E5 `query:`)."""

__all__ = ["LinkContext", "Similarity", "TagDeps", "TagResult", "Turn"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LinkContext:
    """A shared link, read and reduced to what is worth tagging."""

    url: str
    title: str | None
    text_for_tagging: str
    """Title-free summary or body text of the page (already cut to a sensible size by the reader)."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier exchange in the thread: what the person said and what the bot answered."""

    text: str
    reply: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagDeps:
    """Everything one agent run may use. The memories are the speaker's own, retrieved before the run."""

    identity: ChatIdentity
    user_id: str
    """Owner id of `memories` (`bot.identity.user_id_for(identity)`)."""
    memories: Sequence[MemoryRecord] = ()
    """Only the speaker's memories; whatever the model says, nothing else can reach it."""
    links: Sequence[LinkContext] = ()
    guidance: Sequence[MemoryRecord] = ()
    """Agent-level memories: the operator's bot-wide defaults ("prefer singular tags"). Read before the
    speaker's own memories, so anything the person said overrides them; never shown as "about you"."""
    notices: Sequence[str] = ()
    """Remarks from the service (link not fetched, memory unavailable) the reply may acknowledge."""
    similarity: Similarity | None = None
    """Embedding similarity; without it avoided topics are matched by their words only."""
    profile: Profile = field(default_factory=Profile)
    """The preferences in force, folded from the guidance's and the speaker's memory metadata."""
    thread: Sequence[Turn] = ()
    """The thread's recent turns, oldest first (an LLM gets them as message history too)."""
    memory_total: int = 0
    """How many memories the speaker has in all (more than `memories` may hold)."""
    memory_writable: bool = True
    """False while the person paused memory or an admin switched it off here: nothing they say is kept, so
    no reply may promise to remember it."""
    _similarity_cache: dict[tuple[str, tuple[str, ...]], list[float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def similar(self, text: str, others: Sequence[str]) -> list[float] | None:
        """`similarity`, remembered for the run: the offline model and the output check ask the same."""
        if self.similarity is None:
            return None
        key = (text, tuple(others))
        if key not in self._similarity_cache:
            try:
                self._similarity_cache[key] = [float(s) for s in self.similarity(text, key[1])]
            except Exception as exc:  # the embedder failing must not cost the answer: match by words instead
                log.warning("similarity unavailable", extra={"error": type(exc).__name__})
                return None
        return self._similarity_cache[key]

    def memories_oldest_first(self) -> list[MemoryRecord]:
        """The memories in the order they were stated, so that the newest word on a subject is read last."""
        floor = datetime.min.replace(tzinfo=UTC)

        def when(record: MemoryRecord) -> datetime:
            stamp = record.updated_at or record.created_at
            if stamp is None:
                return floor
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)

        return sorted(self.memories, key=when)


class TagResult(BaseModel):
    """The agent's answer: tags for the shared content (maybe none) and a short chat reply."""

    tags: list[str] = Field(
        default_factory=list,
        description="Tags for the shared content, most relevant first; empty when the message is not "
        "something to tag (a greeting, a question, a statement about the user).",
    )
    reply: str = Field(description="A short, friendly chat reply (one to three sentences).")
    memories_used: list[str] = Field(
        default_factory=list,
        description="Ids (the `id` values in <user_memory>) of the memories that shaped this answer.",
    )
    """Memory ids, never texts: the service maps them back to the speaker's own records."""
    operations: list[Operation] = Field(
        default_factory=list,
        description="What to change in the person's memory because of this message: `add` a preference they "
        "stated (kind/subject/value), `remove` one they retracted (by key, e.g. `topic:politics`), "
        "`replace` one, or `forget` memories matching a description they asked you to forget. Empty when "
        "the message states nothing about them.",
    )
    """Validated by `bot.understanding.operations.validate_operations` before use, whoever produced them."""
    revises_previous: bool = Field(
        default=False,
        description="True when these tags revise your previous answer in this thread (a follow-up such as "
        "'make them shorter' or a correction), rather than tag new content.",
    )
    """The service then records the exchange under the earlier message's content, not "make them shorter"."""

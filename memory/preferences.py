"""One person's effective tagging preferences, folded from their memory sentences.

Memories can disagree (Mem0 only adds, and an LLM extractor may phrase the same wish twice); reading them
oldest first and letting each later fact overwrite the earlier one under the same supersede key makes the
newest word win, the same rule the supersede step applies when it deletes the older memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, cast

from memory.extract import ExtractedFact, parse_memory_facts

Case = Literal["lower", "upper", "title"]

__all__ = ["Case", "Preferences"]


@dataclass(frozen=True, slots=True)
class Preferences:
    likes: list[str] = field(default_factory=list)
    """Liked topics, lowercase, newest last."""
    avoids: list[str] = field(default_factory=list)
    """Avoided topics, lowercase, newest last."""
    case: Case | None = None
    hashtags: bool | None = None
    """True: prefix tags with `#`; False: the person asked for none; None: never said."""
    max_tags: int | None = None
    always: list[str] = field(default_factory=list)
    """Tags (as slugs) to include every time."""
    never: list[str] = field(default_factory=list)
    """Tags (as slugs) never to use."""
    name: str | None = None
    """The name as the person wrote it ("Alice")."""
    role: str | None = None
    """Lowercase role ("data scientist")."""
    facts: dict[str, ExtractedFact] = field(default_factory=dict)
    """The winning fact under each supersede key, for callers that need the sentence behind a preference."""

    @classmethod
    def from_memories(cls, texts: Iterable[str]) -> Preferences:
        """Fold memory sentences, given oldest first, into the preferences in force now.

        Args:
            texts: Memory sentences, oldest first; sentences that state no known preference are skipped.
        """
        facts: dict[str, ExtractedFact] = {}
        for text in texts:
            for fact in parse_memory_facts(text):
                facts.pop(fact.key, None)  # re-insert so the order is "most recently stated last"
                facts[fact.key] = fact
        return cls._from_facts(facts)

    @classmethod
    def _from_facts(cls, facts: dict[str, ExtractedFact]) -> Preferences:
        likes: list[str] = []
        avoids: list[str] = []
        always: list[str] = []
        never: list[str] = []
        values: dict[str, str] = {}
        for key, fact in facts.items():
            kind, _, rest = key.partition(":")
            if kind == "topic":
                (likes if fact.value == "like" else avoids).append(rest)
            elif key.startswith("format:always:"):
                (always if fact.value == "yes" else never).append(key.removeprefix("format:always:"))
            else:
                values[key] = fact.value
        name_fact = facts.get("identity:name")
        max_tags = values.get("format:max_tags")
        hashtags = values.get("format:hashtags")
        case = values.get("format:case")
        return cls(
            likes=likes,
            avoids=avoids,
            case=cast(Case, case) if case in ("lower", "upper", "title") else None,
            hashtags=None if hashtags is None else hashtags == "yes",
            max_tags=int(max_tags) if max_tags and max_tags.isdigit() else None,
            always=always,
            never=never,
            name=name_fact.text.removeprefix("Name is ") if name_fact else None,
            role=values.get("identity:role"),
            facts=dict(facts),
        )

    @property
    def is_empty(self) -> bool:
        return not self.facts

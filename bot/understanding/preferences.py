"""The preference model: the single schema of record for what a person wants from their tags and replies.

A preference is a keyed, typed value (`format.case = lower`, `topic:politics = avoid`, `tag.always:news`),
stored as metadata on one Mem0 memory (`pref_key`, `pref_value`, `schema`). The memory's text is a rendering
of it for people (`/memories`) and for an LLM's context; nothing reads that text back. Two preferences with
the same key contradict, and the newer one wins; some keys also displace others (always and never using the
same tag).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "SCHEMA_VERSION",
    "Kind",
    "Preference",
    "Profile",
    "category_of",
    "slug",
]

SCHEMA_VERSION = 2
"""Written as `schema` on every memory this model describes; version 1 memories are upgraded at start-up."""

Kind = Literal[
    "format.case",
    "format.hashtags",
    "format.number",
    "format.max_tags",
    "tag.always",
    "tag.never",
    "tag.instead",
    "topic",
    "identity.name",
    "identity.role",
    "reply.language",
    "fact",
]
KINDS: tuple[str, ...] = get_args(Kind)
_WITH_SUBJECT = {"tag.always", "tag.never", "tag.instead", "topic", "fact"}
_VALUES: dict[str, set[str]] = {
    "format.case": {"lower", "upper", "title"},
    "format.hashtags": {"yes", "no"},
    "format.number": {"singular", "plural"},
    "topic": {"like", "avoid"},
}
MAX_TAGS_LIMIT = 20


def slug(text: str) -> str:
    """A tag or topic as a key: lowercase, words joined by hyphens, no `#`."""
    return re.sub(r"[^\w+.]+", "-", text.strip().lstrip("#").lower()).strip("-")


class Preference(BaseModel):
    """One keyed, typed thing a person told us about themselves."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    subject: str = ""
    """What the preference is about, for kinds that have one: a topic, a tag (as a slug), a fact's slug."""
    value: str = Field(min_length=1, max_length=300)
    """`lower` / `upper` / `title`; `yes` / `no`; `singular` / `plural`; a number; `like` / `avoid`; the tag
    as shown; the replacement tag; the name, role, language or fact as said."""

    @model_validator(mode="after")
    def _fits(self) -> Preference:
        if (self.kind in _WITH_SUBJECT) != bool(self.subject):
            raise ValueError(f"{self.kind} {'needs' if self.kind in _WITH_SUBJECT else 'takes no'} subject")
        if self.subject and (len(self.subject) > 80 or self.subject != self.subject.strip().lower()):
            raise ValueError("a subject is a short lowercase key")
        allowed = _VALUES.get(self.kind)
        if allowed is not None and self.value not in allowed:
            raise ValueError(f"{self.kind} is one of {sorted(allowed)}")
        if self.kind == "format.max_tags" and not (
            self.value.isdigit() and 1 <= int(self.value) <= MAX_TAGS_LIMIT
        ):
            raise ValueError(f"format.max_tags is a number from 1 to {MAX_TAGS_LIMIT}")
        if self.kind == "tag.instead" and (not slug(self.value) or slug(self.value) == self.subject):
            raise ValueError("tag.instead names a different tag")
        return self

    @property
    def key(self) -> str:
        """The supersede key: `format.case`, `topic:politics`, `tag.always:news`."""
        return f"{self.kind}:{self.subject}" if self.subject else self.kind

    @classmethod
    def from_key(cls, key: str, value: str) -> Preference:
        """The preference stored under `key` (as in memory metadata); raises ValueError when malformed."""
        kind, _, subject = key.partition(":")
        if kind not in KINDS:
            raise ValueError(f"unknown preference kind {kind!r}")
        return cls.model_validate({"kind": kind, "subject": subject, "value": value})

    def displaces(self) -> list[str]:
        """Keys this preference makes obsolete besides its own (always vs never using a tag)."""
        if self.kind in ("tag.always", "tag.never", "tag.instead"):
            return [
                f"{k}:{self.subject}" for k in ("tag.always", "tag.never", "tag.instead") if k != self.kind
            ]
        return []

    def metadata(self) -> dict[str, object]:
        """What a memory stores for this preference."""
        return {"pref_key": self.key, "pref_value": self.value, "schema": SCHEMA_VERSION}


def category_of(pref: Preference) -> Literal["preference", "fact"]:
    return "fact" if pref.kind in ("identity.name", "identity.role", "fact") else "preference"


Case = Literal["lower", "upper", "title"]
Number = Literal["singular", "plural"]


class Profile(BaseModel):
    """The preferences in force for one person: guidance first, then their own memories, newest wins."""

    model_config = ConfigDict(frozen=True)

    case: Case | None = None
    hashtags: bool | None = None
    number: Number | None = None
    max_tags: int | None = None
    always: list[str] = Field(default_factory=list)
    """Tags to include every time, as said ("news"); shaped in the person's style when used."""
    never: list[str] = Field(default_factory=list)
    """Tags (slugs) never to use."""
    instead: dict[str, str] = Field(default_factory=dict)
    """Tag slug -> the tag the person uses instead (a learned correction)."""
    likes: list[str] = Field(default_factory=list)
    avoids: list[str] = Field(default_factory=list)
    name: str | None = None
    role: str | None = None
    language: str | None = None
    facts: list[str] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict)
    """Key -> id of the memory that states it (guidance ids included), for `memories_used`."""
    entries: dict[str, Preference] = Field(default_factory=dict)
    """Key -> the preference in force, in the order stated (oldest first)."""

    @classmethod
    def fold(cls, stated: Iterable[tuple[Preference, str | None]]) -> Profile:
        """The profile from preferences given oldest first (guidance before the person's own).

        Args:
            stated: `(preference, memory id or None)`, oldest first; a later one under the same key, or one
                that displaces a key, wins.
        """
        entries: dict[str, Preference] = {}
        sources: dict[str, str] = {}
        for pref, memory_id in stated:
            for key in [pref.key, *pref.displaces()]:
                entries.pop(key, None)
                sources.pop(key, None)
            entries[pref.key] = pref
            if memory_id:
                sources[pref.key] = memory_id
        return cls._build(entries, sources)

    def without(self, key: str, value: str | None = None) -> Profile:
        """This profile with `key` retracted (only when it holds `value`, if given)."""
        held = self.entries.get(key)
        if held is None or (value is not None and held.value != value):
            return self
        entries = {k: v for k, v in self.entries.items() if k != key}
        return self._build(entries, {k: v for k, v in self.sources.items() if k != key})

    def plus(self, prefs: Iterable[Preference]) -> Profile:
        """This profile with newer preferences on top (what the current message says)."""
        return self.fold(
            [*((p, self.sources.get(k)) for k, p in self.entries.items()), *((p, None) for p in prefs)]
        )

    @classmethod
    def _build(cls, entries: dict[str, Preference], sources: dict[str, str]) -> Profile:
        values: dict[str, object] = {
            "always": [],
            "never": [],
            "instead": {},
            "likes": [],
            "avoids": [],
            "facts": [],
        }
        for pref in entries.values():
            kind, value = pref.kind, pref.value
            if kind == "format.case":
                values["case"] = value
            elif kind == "format.hashtags":
                values["hashtags"] = value == "yes"
            elif kind == "format.number":
                values["number"] = value
            elif kind == "format.max_tags":
                values["max_tags"] = int(value)
            elif kind == "tag.always":
                values["always"].append(value)  # type: ignore[attr-defined]
            elif kind == "tag.never":
                values["never"].append(pref.subject)  # type: ignore[attr-defined]
            elif kind == "tag.instead":
                values["instead"][pref.subject] = slug(value)  # type: ignore[index]
            elif kind == "topic":
                values["likes" if value == "like" else "avoids"].append(pref.subject)  # type: ignore[attr-defined]
            elif kind == "identity.name":
                values["name"] = value
            elif kind == "identity.role":
                values["role"] = value
            elif kind == "reply.language":
                values["language"] = value
            else:
                values["facts"].append(value)  # type: ignore[attr-defined]
        return cls.model_validate({**values, "sources": sources, "entries": entries})

    @property
    def is_empty(self) -> bool:
        return not self.entries

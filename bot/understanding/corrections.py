"""Corrections counted across people, proposed to the operator as bot-wide guidance.

When someone corrects the bot's tags ("no — basketball, not points"), the correction is remembered for them
(a `tag.instead` or `tag.never` preference) and counted here. When the same correction comes from several
people (`threshold`, 3 by default), it becomes a *suggestion*; nothing reaches anyone else until the
operator accepts it (`memorybot guidance suggestions` / `accept ID` / `reject ID`), which adds it as guidance.

Only the correction itself is kept (its key and value, e.g. `tag.instead:points` -> `basketball`), with a
salted hash per person so that a person counts once and a forget-all removes their share. No message text,
no user id. The counts live in a `state.corrections.CorrectionStore`: a SQLite file embedded, PostgreSQL
with `DATABASE_URL` (then counted across every worker).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from bot.understanding.preferences import Preference
from state.corrections import CorrectionStore, SqliteCorrectionStore

__all__ = ["LEARNABLE_KINDS", "CorrectionLedger", "Suggestion"]

LEARNABLE_KINDS = ("tag.instead", "tag.never")
"""Corrections about tags themselves; a name or a liked topic is personal and never proposed."""

Status = Literal["pending", "accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    preference: Preference
    people: int
    """How many people made this correction (now)."""
    status: Status


class CorrectionLedger:
    def __init__(self, store: CorrectionStore | Path, *, threshold: int = 3) -> None:
        """`store`: where the counts live; a path means an embedded SQLite file there."""
        self._store = SqliteCorrectionStore(store) if isinstance(store, Path) else store
        self.threshold = threshold

    @staticmethod
    def _id(pref: Preference) -> str:
        return hashlib.sha256(f"{pref.key}={pref.value}".encode()).hexdigest()[:8]

    def record(self, user_id: str, pref: Preference) -> Suggestion | None:
        """Count one person's correction; returns the suggestion when this one made it reach the threshold."""
        if pref.kind not in LEARNABLE_KINDS:
            return None
        people = self._store.count(user_id, pref.key, pref.value)
        if people < self.threshold or not self._store.propose(self._id(pref), pref.key, pref.value):
            return None
        return Suggestion(self._id(pref), pref, people, "pending")

    def suggestions(self, status: Status | None = "pending") -> list[Suggestion]:
        return [
            Suggestion(sid, Preference.from_key(key, value), people, cast(Status, st))
            for sid, key, value, st, people in self._store.suggestions()
            if status is None or st == status
        ]

    def decide(self, suggestion_id: str, *, accept: bool) -> Suggestion | None:
        """Accept or reject a pending suggestion; None when there is no pending one with that id."""
        pending = {s.id: s for s in self.suggestions("pending")}
        found = pending.get(suggestion_id.strip().lower())
        status: Status = "accepted" if accept else "rejected"
        if found is None or not self._store.decide(found.id, status):
            return None  # unknown, or decided meanwhile (on another machine)
        return Suggestion(found.id, found.preference, found.people, status)

    def purge_user(self, user_id: str) -> int:
        """Remove a person's corrections (forget-all); suggestions already made keep only their counts."""
        return self._store.purge_user(user_id)

    def close(self) -> None:
        self._store.close()

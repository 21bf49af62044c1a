"""Corrections counted across people, proposed to the operator as bot-wide guidance.

When someone corrects the bot's tags ("no — basketball, not points"), the correction is remembered for them
(a `tag.instead` or `tag.never` preference) and counted here. When the same correction comes from several
people (`threshold`, 3 by default), it becomes a *suggestion*; nothing reaches anyone else until the
operator accepts it (`memorybot guidance suggestions` / `accept ID` / `reject ID`), which adds it as guidance.

Only the correction itself is kept (its key and value, e.g. `tag.instead:points` -> `basketball`), with a
salted hash per person so that a person counts once and a forget-all removes their share. No message text,
no user id.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.understanding.preferences import Preference

__all__ = ["LEARNABLE_KINDS", "CorrectionLedger", "Suggestion"]

LEARNABLE_KINDS = ("tag.instead", "tag.never")
"""Corrections about tags themselves; a name or a liked topic is personal and never proposed."""

Status = Literal["pending", "accepted", "rejected"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS salt (value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS corrections (
    pref_key   TEXT NOT NULL,
    pref_value TEXT NOT NULL,
    person     TEXT NOT NULL,
    at         REAL NOT NULL,
    PRIMARY KEY (pref_key, pref_value, person)
);
CREATE TABLE IF NOT EXISTS suggestions (
    id         TEXT PRIMARY KEY,
    pref_key   TEXT NOT NULL,
    pref_value TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending',
    created_at REAL NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    preference: Preference
    people: int
    """How many people made this correction (now)."""
    status: Status


class CorrectionLedger:
    def __init__(self, path: Path, *, threshold: int = 3) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self.threshold = threshold
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA secure_delete=ON")
            self._conn.executescript(_SCHEMA)
            row = self._conn.execute("SELECT value FROM salt").fetchone()
            if row is None:
                row = (secrets.token_hex(16),)
                self._conn.execute("INSERT INTO salt (value) VALUES (?)", row)
            self._salt = str(row[0])

    def _person(self, user_id: str) -> str:
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()

    @staticmethod
    def _id(pref: Preference) -> str:
        return hashlib.sha256(f"{pref.key}={pref.value}".encode()).hexdigest()[:8]

    def record(self, user_id: str, pref: Preference) -> Suggestion | None:
        """Count one person's correction; returns the suggestion when this one made it reach the threshold."""
        if pref.kind not in LEARNABLE_KINDS:
            return None
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO corrections (pref_key, pref_value, person, at) VALUES (?, ?, ?, ?)",
                (pref.key, pref.value, self._person(user_id), time.time()),
            )
            people = self._people(pref)
            if people < self.threshold:
                return None
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO suggestions (id, pref_key, pref_value, created_at) "
                "VALUES (?, ?, ?, ?)",
                (self._id(pref), pref.key, pref.value, time.time()),
            )
        return Suggestion(self._id(pref), pref, people, "pending") if cur.rowcount == 1 else None

    def _people(self, pref: Preference) -> int:
        row = self._conn.execute(
            "SELECT COUNT(*) FROM corrections WHERE pref_key = ? AND pref_value = ?", (pref.key, pref.value)
        ).fetchone()
        return int(row[0])

    def suggestions(self, status: Status | None = "pending") -> list[Suggestion]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, pref_key, pref_value, status FROM suggestions ORDER BY created_at"
            ).fetchall()
            out = []
            for sid, key, value, st in rows:
                if status is not None and st != status:
                    continue
                pref = Preference.from_key(key, value)
                out.append(Suggestion(sid, pref, self._people(pref), st))
        return out

    def decide(self, suggestion_id: str, *, accept: bool) -> Suggestion | None:
        """Accept or reject a pending suggestion; None when there is no pending one with that id."""
        pending = {s.id: s for s in self.suggestions("pending")}
        found = pending.get(suggestion_id.strip().lower())
        if found is None:
            return None
        status: Status = "accepted" if accept else "rejected"
        with self._lock:
            self._conn.execute("UPDATE suggestions SET status = ? WHERE id = ?", (status, found.id))
        return Suggestion(found.id, found.preference, found.people, status)

    def purge_user(self, user_id: str) -> int:
        """Remove a person's corrections (forget-all); suggestions already made keep only their counts."""
        with self._lock:
            cur = self._conn.execute("DELETE FROM corrections WHERE person = ?", (self._person(user_id),))
            return cur.rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()

"""Where the corrections ledger keeps its counts: which tag corrections how many people made, and the
suggestions the operator decides on (`bot.understanding.corrections` says what they are for).

Rows hold a correction's key and value and a salted hash per person, never a user id or message text. The
salt is per deployment: embedded, a row of `corrections.db`; on PostgreSQL, a shared secret, so a person who
corrects the bot on two workers counts once and a forget-all on any worker removes their share everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

from psycopg_pool import ConnectionPool

SuggestionRow = tuple[str, str, str, str, int]
"""id, key, value, status (pending | accepted | rejected), and how many people made the correction now."""

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


class CorrectionStore(Protocol):
    def count(self, user_id: str, key: str, value: str) -> int:
        """Count this person's correction (once however often they make it); how many people made it."""
        ...

    def propose(self, suggestion_id: str, key: str, value: str) -> bool:
        """Make the correction a pending suggestion; False when it was proposed before (by any worker)."""
        ...

    def suggestions(self) -> list[SuggestionRow]:
        """Every suggestion, oldest first."""
        ...

    def decide(self, suggestion_id: str, status: str) -> bool:
        """Move a *pending* suggestion to `status`; False when none is pending under that id."""
        ...

    def purge_user(self, user_id: str) -> int:
        """Remove a person's share of every count (forget-all); suggestions already made stay."""
        ...

    def close(self) -> None: ...


def person_hash(salt: str, user_id: str) -> str:
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()


class SqliteCorrectionStore:
    """`CorrectionStore` in one SQLite file (`corrections.db`); deleted rows are overwritten."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA secure_delete=ON")
            self._conn.executescript(_SCHEMA)
            row = self._conn.execute("SELECT value FROM salt").fetchone()
            if row is None:
                row = (secrets.token_hex(16),)
                self._conn.execute("INSERT INTO salt (value) VALUES (?)", row)
            self._salt = str(row[0])

    def count(self, user_id: str, key: str, value: str) -> int:
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO corrections (pref_key, pref_value, person, at) "
                "VALUES (?, ?, ?, ?)",
                (key, value, person_hash(self._salt, user_id), time.time()),
            )
            return self._people(key, value)

    def _people(self, key: str, value: str) -> int:
        row = self._conn.execute(
            "SELECT COUNT(*) FROM corrections WHERE pref_key = ? AND pref_value = ?", (key, value)
        ).fetchone()
        return int(row[0])

    def propose(self, suggestion_id: str, key: str, value: str) -> bool:
        with self._lock:
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO suggestions (id, pref_key, pref_value, created_at) "
                "VALUES (?, ?, ?, ?)",
                (suggestion_id, key, value, time.time()),
            )
            return cur.rowcount == 1

    def suggestions(self) -> list[SuggestionRow]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, pref_key, pref_value, status FROM suggestions ORDER BY created_at, rowid"
            ).fetchall()
            return [(str(i), str(k), str(v), str(s), self._people(k, v)) for i, k, v, s in rows]

    def decide(self, suggestion_id: str, status: str) -> bool:
        with self._lock:
            cur = self._conn.execute(
                "UPDATE suggestions SET status = ? WHERE id = ? AND status = 'pending'",
                (status, suggestion_id),
            )
            return cur.rowcount == 1

    def purge_user(self, user_id: str) -> int:
        with self._lock:
            cur = self._conn.execute(
                "DELETE FROM corrections WHERE person = ?", (person_hash(self._salt, user_id),)
            )
            return cur.rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_SALT_NAME = "corrections-salt"


class PostgresCorrectionStore:
    """`CorrectionStore` in PostgreSQL, counted across the fleet; the salt is a shared secret row."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        with pool.connection() as conn:
            conn.execute(
                "INSERT INTO mb_secrets (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                (_SALT_NAME, secrets.token_hex(16).encode()),
            )
            row = conn.execute("SELECT value FROM mb_secrets WHERE name = %s", (_SALT_NAME,)).fetchone()
        assert row is not None
        self._salt = bytes(row[0]).decode()

    def count(self, user_id: str, key: str, value: str) -> int:
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO mb_corrections (pref_key, pref_value, person) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                (key, value, person_hash(self._salt, user_id)),
            )
            row = conn.execute(
                "SELECT COUNT(*) FROM mb_corrections WHERE pref_key = %s AND pref_value = %s", (key, value)
            ).fetchone()
        return int(row[0]) if row else 0

    def propose(self, suggestion_id: str, key: str, value: str) -> bool:
        with self._pool.connection() as conn:
            cur = conn.execute(
                "INSERT INTO mb_suggestions (id, pref_key, pref_value) VALUES (%s, %s, %s) "
                "ON CONFLICT (id) DO NOTHING",
                (suggestion_id, key, value),
            )
            return cur.rowcount == 1

    def suggestions(self) -> list[SuggestionRow]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT s.id, s.pref_key, s.pref_value, s.status, (SELECT COUNT(*) FROM mb_corrections c "
                "WHERE c.pref_key = s.pref_key AND c.pref_value = s.pref_value) "
                "FROM mb_suggestions s ORDER BY s.created_at, s.id"
            ).fetchall()
        return [(str(i), str(k), str(v), str(s), int(n)) for i, k, v, s, n in rows]

    def decide(self, suggestion_id: str, status: str) -> bool:
        with self._pool.connection() as conn:
            cur = conn.execute(
                "UPDATE mb_suggestions SET status = %s WHERE id = %s AND status = 'pending'",
                (status, suggestion_id),
            )
            return cur.rowcount == 1

    def purge_user(self, user_id: str) -> int:
        with self._pool.connection() as conn:
            cur = conn.execute(
                "DELETE FROM mb_corrections WHERE person = %s", (person_hash(self._salt, user_id),)
            )
            return cur.rowcount

    def close(self) -> None:
        """The pool is the worker's (`state.SharedState` closes it)."""

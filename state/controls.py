"""Where memory controls keep their state: pause, links between identities, link codes, retention, admin
switches.

None of this is a memory: it never enters the vector store, a search or an export, and a person's forget-all
leaves their settings alone (it must not silently resume a paused memory); only the link codes and failed
tries, which serve no purpose once they asked to be forgotten, go with it. `ControlStore` is the small
protocol the core depends on; `SqliteControlStore` keeps it in `controls.db` in the data directory (WAL, so
readers never wait on a writer); `state.pg_controls.PostgresControlStore` keeps it in PostgreSQL for every
worker of a deployment.

The protocol is synchronous, like the update queue's: the core calls it in a worker thread
(`asyncio.to_thread`), so neither SQLite nor a pooled PostgreSQL connection ever blocks the event loop.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Protocol

_SCHEMA = """
CREATE TABLE IF NOT EXISTS paused (user_id TEXT PRIMARY KEY, since REAL NOT NULL);
CREATE TABLE IF NOT EXISTS links (user_id TEXT PRIMARY KEY, person TEXT NOT NULL, linked_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS links_person ON links (person);
CREATE TABLE IF NOT EXISTS link_codes (
    code_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS link_failures (user_id TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS link_failures_user ON link_failures (user_id, at);
CREATE TABLE IF NOT EXISTS retention (user_id TEXT PRIMARY KEY, days INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS memory_off (scope TEXT PRIMARY KEY, by TEXT NOT NULL, at REAL NOT NULL);
"""


class ControlStore(Protocol):
    """Control state, keyed by memory owner id (`slack:T1:U2`) or, for admin switches, by a scope key."""

    def is_paused(self, user_id: str) -> bool: ...

    def set_paused(self, user_id: str, paused: bool, *, now: float) -> None: ...

    def linked(self, user_id: str) -> list[str]:
        """Every identity joined with `user_id`, itself first; `[user_id]` when it is not linked."""
        ...

    def link(self, a: str, b: str, *, now: float) -> None:
        """Join the identities (and whatever each is already linked with) into one person."""
        ...

    def unlink(self, user_id: str) -> None:
        """Take `user_id` out of its person; a person left with one identity dissolves."""
        ...

    def put_code(self, code_hash: str, user_id: str, *, expires_at: float) -> None:
        """Store a link code's hash for `user_id`, replacing that identity's previous code."""
        ...

    def take_code(self, code_hash: str, *, now: float) -> str | None:
        """The identity that issued the code, deleting the code (single use); None if unknown or expired."""
        ...

    def add_failure(self, user_id: str, *, now: float) -> None: ...

    def failures_since(self, user_id: str, since: float) -> list[float]:
        """When `user_id` entered a wrong link code since `since`, oldest first."""
        ...

    def retention_days(self, user_id: str) -> int | None: ...

    def set_retention_days(self, user_id: str, days: int | None) -> None: ...

    def retention_users(self) -> dict[str, int]: ...

    def memory_off(self, scopes: list[str]) -> list[str]:
        """Those of `scopes` where an admin switched memory off."""
        ...

    def set_memory_off(self, scope: str, off: bool, *, by: str, now: float) -> None: ...

    def memory_off_under(self, prefix: str) -> list[str]:
        """Every switched-off scope that starts with `prefix` (a server's channels, for `status`)."""
        ...

    def message_state(self, user_id: str, scopes: list[str]) -> tuple[bool, list[str], list[str]]:
        """What one message needs, in one call (it runs for every message): `is_paused`, `linked` and
        `memory_off(scopes)`."""
        ...

    def drop_codes(self, user_id: str) -> None:
        """Drop `user_id`'s link code and failed tries (their forget-all); pause, links, retention stay."""
        ...

    def erase(self, user_id: str) -> None:
        """Drop every trace of `user_id` (an operator's erasure): pause, links, codes, retention, failures."""
        ...

    def close(self) -> None: ...


class SqliteControlStore:
    """`ControlStore` in one SQLite file; safe to call from worker threads (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def _one(self, sql: str, *args: object) -> tuple[object, ...] | None:
        with self._lock:
            row: tuple[object, ...] | None = self._db.execute(sql, args).fetchone()
            return row

    def _all(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    def _write(self, *statements: tuple[str, tuple[object, ...]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    self._db.execute(sql, args)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ---- pause ---------------------------------------------------------------------------------

    def is_paused(self, user_id: str) -> bool:
        return self._one("SELECT 1 FROM paused WHERE user_id = ?", user_id) is not None

    def set_paused(self, user_id: str, paused: bool, *, now: float) -> None:
        if paused:
            self._write(("INSERT OR IGNORE INTO paused (user_id, since) VALUES (?, ?)", (user_id, now)))
        else:
            self._write(("DELETE FROM paused WHERE user_id = ?", (user_id,)))

    # ---- links ---------------------------------------------------------------------------------

    def linked(self, user_id: str) -> list[str]:
        rows = self._all(
            "SELECT user_id FROM links WHERE person = (SELECT person FROM links WHERE user_id = ?) "
            "ORDER BY linked_at, user_id",
            user_id,
        )
        others = [str(r[0]) for r in rows if r[0] != user_id]
        return [user_id, *others]

    def link(self, a: str, b: str, *, now: float) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                persons = {
                    uid: row[0]
                    for uid in (a, b)
                    if (
                        row := self._db.execute(
                            "SELECT person FROM links WHERE user_id = ?", (uid,)
                        ).fetchone()
                    )
                }
                person = persons.get(a) or persons.get(b) or uuid.uuid4().hex
                for uid in (a, b):
                    old = persons.get(uid)
                    if old and old != person:  # b was already linked elsewhere: the two persons merge
                        self._db.execute("UPDATE links SET person = ? WHERE person = ?", (person, old))
                    elif old is None:
                        self._db.execute(
                            "INSERT INTO links (user_id, person, linked_at) VALUES (?, ?, ?)",
                            (uid, person, now),
                        )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def unlink(self, user_id: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT person FROM links WHERE user_id = ?", (user_id,)).fetchone()
                self._db.execute("DELETE FROM links WHERE user_id = ?", (user_id,))
                if row is not None:
                    left = self._db.execute("SELECT COUNT(*) FROM links WHERE person = ?", row).fetchone()
                    if left[0] < 2:
                        self._db.execute("DELETE FROM links WHERE person = ?", row)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ---- link codes ----------------------------------------------------------------------------

    def put_code(self, code_hash: str, user_id: str, *, expires_at: float) -> None:
        self._write(
            ("DELETE FROM link_codes WHERE user_id = ? OR expires_at < ?", (user_id, expires_at - 86400)),
            (
                "INSERT INTO link_codes (code_hash, user_id, expires_at) VALUES (?, ?, ?)",
                (code_hash, user_id, expires_at),
            ),
        )

    def take_code(self, code_hash: str, *, now: float) -> str | None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT user_id, expires_at FROM link_codes WHERE code_hash = ?", (code_hash,)
                ).fetchone()
                self._db.execute(
                    "DELETE FROM link_codes WHERE code_hash = ? OR expires_at < ?", (code_hash, now)
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        if row is None or float(row[1]) < now:
            return None
        return str(row[0])

    def add_failure(self, user_id: str, *, now: float) -> None:
        self._write(
            ("DELETE FROM link_failures WHERE at < ?", (now - 86400,)),
            ("INSERT INTO link_failures (user_id, at) VALUES (?, ?)", (user_id, now)),
        )

    def failures_since(self, user_id: str, since: float) -> list[float]:
        rows = self._all(
            "SELECT at FROM link_failures WHERE user_id = ? AND at >= ? ORDER BY at", user_id, since
        )
        return [float(str(r[0])) for r in rows]

    # ---- retention -----------------------------------------------------------------------------

    def retention_days(self, user_id: str) -> int | None:
        row = self._one("SELECT days FROM retention WHERE user_id = ?", user_id)
        return int(str(row[0])) if row else None

    def set_retention_days(self, user_id: str, days: int | None) -> None:
        if days is None:
            self._write(("DELETE FROM retention WHERE user_id = ?", (user_id,)))
        else:
            self._write(("INSERT OR REPLACE INTO retention (user_id, days) VALUES (?, ?)", (user_id, days)))

    def retention_users(self) -> dict[str, int]:
        return {str(r[0]): int(str(r[1])) for r in self._all("SELECT user_id, days FROM retention")}

    # ---- admin switches ------------------------------------------------------------------------

    def memory_off(self, scopes: list[str]) -> list[str]:
        if not scopes:
            return []
        marks = ",".join("?" * len(scopes))
        return [
            str(r[0]) for r in self._all(f"SELECT scope FROM memory_off WHERE scope IN ({marks})", *scopes)
        ]

    def set_memory_off(self, scope: str, off: bool, *, by: str, now: float) -> None:
        if off:
            self._write(
                ("INSERT OR REPLACE INTO memory_off (scope, by, at) VALUES (?, ?, ?)", (scope, by, now))
            )
        else:
            self._write(("DELETE FROM memory_off WHERE scope = ?", (scope,)))

    def memory_off_under(self, prefix: str) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._all(
            "SELECT scope FROM memory_off WHERE scope LIKE ? ESCAPE '\\' ORDER BY scope", escaped + "%"
        )
        return [str(r[0]) for r in rows]

    def message_state(self, user_id: str, scopes: list[str]) -> tuple[bool, list[str], list[str]]:
        return self.is_paused(user_id), self.linked(user_id), self.memory_off(scopes)

    # ---- erasure -------------------------------------------------------------------------------

    def drop_codes(self, user_id: str) -> None:
        self._write(
            ("DELETE FROM link_codes WHERE user_id = ?", (user_id,)),
            ("DELETE FROM link_failures WHERE user_id = ?", (user_id,)),
        )

    def erase(self, user_id: str) -> None:
        self.unlink(user_id)
        self._write(
            ("DELETE FROM paused WHERE user_id = ?", (user_id,)),
            ("DELETE FROM link_codes WHERE user_id = ?", (user_id,)),
            ("DELETE FROM link_failures WHERE user_id = ?", (user_id,)),
            ("DELETE FROM retention WHERE user_id = ?", (user_id,)),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

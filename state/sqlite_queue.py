"""The embedded update queue: SQLite in WAL mode in the data directory (one process per data directory).

See `state.queue` for what a queue promises. On start-up, jobs a previous process left pending are simply
pending again: claims live only in this process's memory.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from state.queue import ERROR_CHARS, Job, ParkedJob, after_failure, erasure_key, received_at

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    key        TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    payload    TEXT,
    status     TEXT NOT NULL DEFAULT 'pending',   -- pending | done | parked
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    REAL NOT NULL DEFAULT 0,
    error      TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, next_at);
CREATE INDEX IF NOT EXISTS jobs_user ON jobs (user_id);
CREATE TABLE IF NOT EXISTS erasures (
    person    TEXT PRIMARY KEY,                    -- sha256 of the user id
    erased_at REAL NOT NULL
);
"""


log = logging.getLogger(__name__)

_HELD_RETRY_S = 1.0
"""How often jobs held in memory try to reach the file again."""


class SqliteUpdateQueue:
    """`state.queue.UpdateQueue` on a SQLite file."""

    def __init__(
        self, path: Path, *, max_attempts: int = 5, base_delay_s: float = 0.5, max_delay_s: float = 60.0
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()
        self.max_attempts = max_attempts
        self._base_delay = base_delay_s
        self._max_delay = max_delay_s
        self._held: dict[str, tuple[str, str, float]] = {}
        """Jobs the file refused (disk full, locked): key → (user, payload JSON, created). Written as soon as
        it accepts them again; until then a reply says its update is waiting."""
        with self._lock:
            self._conn = self._open()
            # A job claimed by a process that died is pending again (claims are not persisted).

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # durable across a process crash
        conn.execute("PRAGMA secure_delete=ON")  # forgotten text is overwritten, not just unlinked
        conn.executescript(_SCHEMA)
        return conn

    def enqueue(self, key: str, user_id: str, payload: dict[str, Any]) -> bool:
        """Store a job; False when this key was seen before (a retried delivery).

        When the file cannot take it (disk full, locked, damaged) the job is held in memory and written once
        the file accepts writes again (see `holding`): the reply never fails because of the queue.
        """
        text = json.dumps(payload, ensure_ascii=False)
        arrived = received_at(payload)
        with self._lock:
            if arrived is not None and self._erased_after(user_id, arrived):
                return False
            try:
                cur = self._conn.execute(
                    "INSERT OR IGNORE INTO jobs (key, user_id, payload, created_at) VALUES (?, ?, ?, ?)",
                    (key, user_id, text, time.time()),
                )
            except sqlite3.Error as exc:
                log.warning("the update queue refused a job; holding it in memory", extra={"error": str(exc)})
                if key in self._held:
                    return False
                self._held[key] = (user_id, text, time.time())
                return True
            return cur.rowcount == 1

    def _erased_after(self, user_id: str, arrived: float) -> bool:
        try:
            row = self._conn.execute(
                "SELECT 1 FROM erasures WHERE person = ? AND erased_at >= ?", (erasure_key(user_id), arrived)
            ).fetchone()
        except sqlite3.Error:
            return False
        return row is not None

    @property
    def holding(self) -> int:
        """Jobs waiting in memory for the queue's file to accept writes again."""
        return len(self._held)

    def _recover(self) -> None:
        """Called under the lock before reading: recreate a deleted file (carrying its pending jobs over) and
        write held jobs. Failures leave things as they were, to be tried again on the next call."""
        if not self._path.exists():
            self._reopen_deleted()
        if not self._held:
            return
        try:
            with self._conn:
                for key, (user_id, text, created) in list(self._held.items()):
                    self._conn.execute(
                        "INSERT OR IGNORE INTO jobs (key, user_id, payload, created_at) VALUES (?, ?, ?, ?)",
                        (key, user_id, text, created),
                    )
        except sqlite3.Error:
            return
        log.info("wrote %d held memory update(s) to the queue", len(self._held))
        self._held.clear()

    def _reopen_deleted(self) -> None:
        """Someone deleted the file under us: writes would go to a file nobody can reopen, lost at the next
        start. Start a new file with every job still pending in the old one."""
        try:
            rows = self._conn.execute(
                "SELECT key, user_id, payload, created_at FROM jobs WHERE status = 'pending'"
            ).fetchall()
        except sqlite3.Error:
            rows = []
        try:
            conn = self._open()
        except sqlite3.Error:
            return
        for key, user_id, text, created in rows:
            self._held.setdefault(key, (user_id, text, created))
        self._conn.close()
        self._conn = conn
        log.warning("the update queue's file was deleted; recreated it with %d pending job(s)", len(rows))

    def due(self, *, limit: int = 64, exclude: set[str] | frozenset[str] = frozenset()) -> list[Job]:
        with self._lock:
            self._recover()
            rows = self._conn.execute(
                "SELECT key, user_id, payload, attempts FROM jobs WHERE status = 'pending' AND next_at <= ? "
                "ORDER BY created_at LIMIT ?",
                (time.time(), limit + len(exclude)),
            ).fetchall()
        jobs = [Job(k, u, json.loads(p), a) for k, u, p, a in rows if k not in exclude]
        return jobs[:limit]

    def next_due_in(self) -> float | None:
        """Seconds until the earliest pending job is due (0 if one is due now), None if nothing is pending."""
        with self._lock:
            if self._held:
                return _HELD_RETRY_S
            row = self._conn.execute("SELECT MIN(next_at) FROM jobs WHERE status = 'pending'").fetchone()
        if row is None or row[0] is None:
            return None
        return max(0.0, float(row[0]) - time.time())

    def done(self, key: str) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE jobs SET status = 'done', payload = NULL, error = NULL WHERE key = ?", (key,)
            )

    def failed(self, key: str, error: str, *, transient: bool = False) -> bool:
        """Record a failure; returns True when the job is now parked.

        A `transient` failure (the memory store is down) is retried with the same growing delay but never
        parked: the update is applied once the store is back, however long that takes.
        """
        with self._lock:
            row = self._conn.execute("SELECT attempts FROM jobs WHERE key = ?", (key,)).fetchone()
            if row is None:
                return False
            attempts, delay = after_failure(
                int(row[0]),
                max_attempts=self.max_attempts,
                base_delay_s=self._base_delay,
                max_delay_s=self._max_delay,
                transient=transient,
            )
            if delay is None:
                self._conn.execute(
                    "UPDATE jobs SET status = 'parked', attempts = ?, error = ? WHERE key = ?",
                    (attempts, error[:ERROR_CHARS], key),
                )
                return True
            self._conn.execute(
                "UPDATE jobs SET attempts = ?, next_at = ?, error = ? WHERE key = ?",
                (attempts, time.time() + delay, error[:ERROR_CHARS], key),
            )
            return False

    def is_pending(self, key: str) -> bool:
        """Checked under the user's lock just before applying: a forget-all may have purged the job."""
        with self._lock:
            row = self._conn.execute("SELECT status FROM jobs WHERE key = ?", (key,)).fetchone()
        return row is not None and row[0] == "pending"

    def has_due(self, user_id: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM jobs WHERE user_id = ? AND status = 'pending' AND next_at <= ? LIMIT 1",
                (user_id, time.time()),
            ).fetchone()
        return row is not None

    def pending_count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'pending'").fetchone()[0])

    def parked(self) -> list[ParkedJob]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, user_id, attempts, error, created_at FROM jobs WHERE status = 'parked' "
                "ORDER BY created_at"
            ).fetchall()
        return [ParkedJob(k, u, a, e or "", c) for k, u, a, e, c in rows]

    def retry(self, key: str | None = None) -> int:
        """Move parked jobs (one, or all) back to pending."""
        with self._lock:
            if key is None:
                cur = self._conn.execute(
                    "UPDATE jobs SET status = 'pending', attempts = 0, next_at = 0 WHERE status = 'parked'"
                )
            else:
                cur = self._conn.execute(
                    "UPDATE jobs SET status = 'pending', attempts = 0, next_at = 0 "
                    "WHERE status = 'parked' AND key = ?",
                    (key,),
                )
            return cur.rowcount

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database and truncate it: applied jobs' text leaves the disk."""
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def drop_older(self, before: float, user_id: str | None = None) -> int:
        with self._lock:
            for key in [
                k
                for k, (owner, _, created) in self._held.items()
                if created < before and user_id in (None, owner)
            ]:
                del self._held[key]
            cur = self._conn.execute(
                "DELETE FROM jobs WHERE status <> 'done' AND created_at < ? AND (? IS NULL OR user_id = ?)",
                (before, user_id, user_id),
            )
            return cur.rowcount

    def purge_user(self, user_id: str) -> int:
        """Remove every job of a user (pending ones too: they hold the text they asked us to forget)."""
        with self._lock:
            for key in [k for k, (owner, _, _) in self._held.items() if owner == user_id]:
                del self._held[key]
            self._conn.execute(
                "INSERT OR REPLACE INTO erasures (person, erased_at) VALUES (?, ?)",
                (erasure_key(user_id), time.time()),
            )
            cur = self._conn.execute("DELETE FROM jobs WHERE user_id = ?", (user_id,))
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute("VACUUM")
            return cur.rowcount

    def close(self) -> None:
        """Close the file, trying held jobs one last time: what still cannot be written is lost, and the
        operator's log says how many (the replies went out; only those memory updates are missing)."""
        with self._lock:
            self._recover()
            if self._held:
                log.error(
                    "%d memory update(s) could not be written to %s and are lost; free the disk or fix the "
                    "file's permissions before the next start",
                    len(self._held),
                    self._path,
                )
            self._conn.close()

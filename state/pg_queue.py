"""The update queue on PostgreSQL, shared by every worker (`DATABASE_URL`).

Why a table with `SELECT … FOR UPDATE SKIP LOCKED` rather than procrastinate or pgqueuer: the queue's contract
is ours and small — a job per message *key* (a redelivery is a no-op), parked jobs an operator retries, a
purge of one person's jobs on every worker when they forget everything, an `is_pending` check under the
person's lock, per-person order — and it has an embedded SQLite twin with the same methods. A task-queue
library would bring its own job model, worker loop and schema, and still need all of that on top.

How several workers share it:
- `due` *claims* jobs with `FOR UPDATE SKIP LOCKED` (two workers never claim the same job) and stamps each
  with the claiming worker's presence session (`pg_backend_pid()` and its start time, of a connection each
  worker keeps open for its lifetime). A claim is void once that session is gone from `pg_stat_activity`:
  a worker killed with SIGKILL drops its connection, PostgreSQL ends the session, and the next poll of any
  other worker takes its jobs. No lease to tune, no heartbeat.
- A person's jobs are claimed in order: a job waits while an earlier pending job of the same person is
  claimed by another worker (or is waiting for its retry), so "I prefer lowercase" then "I prefer uppercase"
  land in that order whichever workers answered. Applying one job twice (a worker dying between applying and
  `done`) stores nothing twice: every memory carries its job key (see `bot.remember`).
- Claims are rows, not long transactions: one connection per job in flight would exhaust a managed
  server's connection limit.

When PostgreSQL refuses an enqueue (the server went away mid-run), the job is held in this worker's memory,
as the SQLite queue does on a full disk: the reply still goes out (saying its update is waiting) and the job
is written by the next `due` / `next_due_in` once the database answers — with the same erasure check, so a
forget-all made meanwhile still wins. Held jobs are lost only if this worker dies before the database is back.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from state.erasures import CHANNEL as ERASURE_CHANNEL
from state.postgres import DatabaseAway, check_away, mark_away, mark_back, state_pool
from state.queue import ERROR_CHARS, Job, ParkedJob, after_failure, erasure_key, received_at

log = logging.getLogger(__name__)

POLL_S = 1.0
"""How often an idle worker looks for jobs other workers queued or a dead worker left behind."""

_CLAIMABLE = """
    j.status = 'pending'
    AND (j.claim_pid IS NULL OR NOT EXISTS (
        SELECT 1 FROM pg_stat_activity a WHERE a.pid = j.claim_pid AND a.backend_start = j.claim_started))
"""
_IN_TURN = """
    NOT EXISTS (
        SELECT 1 FROM mb_update_jobs e
        WHERE e.user_id = j.user_id AND e.status = 'pending' AND e.seq < j.seq
          AND (e.next_at > now() OR e.claim_pid IS DISTINCT FROM %(pid)s
               OR e.claim_started IS DISTINCT FROM %(started)s))
"""
"""The person's earlier updates are all applied, or in this worker's hands (it applies them in order)."""
_INSERT = """
    INSERT INTO mb_update_jobs (key, user_id, payload) SELECT %(key)s, %(user)s, %(payload)s
    WHERE %(arrived)s::float8 IS NULL OR NOT EXISTS (SELECT 1 FROM mb_erasures
        WHERE person = %(person)s AND erased_at >= to_timestamp(%(arrived)s::float8))
    ON CONFLICT (key) DO NOTHING
"""
ENQUEUE_TIMEOUT_S = 2.0
"""How long a call waits for a connection: an enqueue then holds its job (a reply waits on it)."""


class PostgresUpdateQueue:
    """`state.queue.UpdateQueue` on PostgreSQL; each worker opens one on the same database."""

    def __init__(
        self,
        url: str,
        *,
        max_attempts: int = 5,
        base_delay_s: float = 0.5,
        max_delay_s: float = 60.0,
        pool_size: int = 4,
    ) -> None:
        self.max_attempts = max_attempts
        self._base_delay = base_delay_s
        self._max_delay = max_delay_s
        self._url = url
        self._held: dict[str, tuple[str, dict[str, Any]]] = {}
        """Jobs the database refused: key → (user, payload), written once it answers again."""
        self._held_lock = threading.Lock()
        self._presence = self._present()
        # The database is away: say so in seconds (the worker retries).
        self._pool = state_pool(url, max_size=pool_size, timeout_s=ENQUEUE_TIMEOUT_S, name="memorybot-queue")

    def _present(self) -> psycopg.Connection[tuple[Any, ...]]:
        """(Re)open the presence session: claims name it, and die with it."""
        conn = psycopg.connect(self._url, autocommit=True)
        row = conn.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        ).fetchone()
        assert row is not None
        self._me: dict[str, Any] = {"pid": row[0], "started": row[1]}
        return conn

    def _ensure_presence(self) -> None:
        """A presence session lost with the server (restart, failover) voids this worker's claims: open a
        new one before claiming again, or every job it claims would look abandoned to the others."""
        try:
            self._presence.execute("SELECT 1")
        except psycopg.Error:
            self._presence.close()
            self._presence = self._present()

    def enqueue(self, key: str, user_id: str, payload: dict[str, Any]) -> bool:
        try:
            check_away(self._url)  # failed a moment ago: hold at once, the reply is waiting
            with self._pool.connection() as conn:
                return conn.execute(_INSERT, _job_args(key, user_id, payload)).rowcount == 1
        except psycopg.OperationalError as exc:  # the connection, not the job: hold it (another error raises)
            if not isinstance(exc, DatabaseAway):
                mark_away(self._url)
            log.warning("the database refused a memory update; holding it", extra={"error": repr(exc)})
            with self._held_lock:
                if key in self._held:
                    return False
                self._held[key] = (user_id, payload)
            return True

    @property
    def holding(self) -> int:
        """Jobs waiting in this worker's memory for the database to accept writes again."""
        return len(self._held)

    def _write_held(self) -> None:
        """Write held jobs (raises, keeping the rest, while the database is still away)."""
        with self._held_lock:
            if not self._held:
                return
            with self._pool.connection() as conn:
                for key, (user_id, payload) in list(self._held.items()):
                    try:
                        conn.execute(_INSERT, _job_args(key, user_id, payload))
                    except psycopg.OperationalError:
                        raise
                    except psycopg.Error as exc:  # this job can never be written: it must not block the rest
                        log.error("dropped a held update the database rejects", extra={"error": repr(exc)})
                    del self._held[key]
        log.info("held memory updates written to the queue")

    def due(self, *, limit: int = 64, exclude: set[str] | frozenset[str] = frozenset()) -> list[Job]:
        query = f"""
            WITH claimable AS (
                SELECT j.key FROM mb_update_jobs j
                WHERE {_CLAIMABLE}
                  AND j.next_at <= now()
                  AND NOT (j.key = ANY(%(exclude)s))
                  AND {_IN_TURN}
                ORDER BY j.seq
                LIMIT %(limit)s
                FOR UPDATE SKIP LOCKED
            )
            UPDATE mb_update_jobs j SET claim_pid = %(pid)s, claim_started = %(started)s
            FROM claimable c WHERE j.key = c.key
            RETURNING j.key, j.user_id, j.payload, j.attempts, j.seq
        """
        self._write_held()
        self._ensure_presence()
        with self._pool.connection() as conn:
            rows = conn.execute(query, {**self._me, "exclude": list(exclude), "limit": limit}).fetchall()
        mark_back(self._url)
        rows.sort(key=lambda r: r[4])  # RETURNING has no order; per-user order matters to the caller
        return [Job(k, u, p if isinstance(p, dict) else json.loads(p), a) for k, u, p, a, _ in rows]

    def next_due_in(self) -> float | None:
        """Never None: an idle worker still polls, for jobs that others queued or a dead worker left."""
        self._write_held()
        with self._pool.connection() as conn:
            # A job waiting for its person's earlier one (in another worker's hands, or backing off) is not
            # due: that worker looks again when it finishes; counting it would make everyone poll at once.
            row = conn.execute(
                "SELECT EXTRACT(EPOCH FROM MIN(j.next_at) - now()) FROM mb_update_jobs j "
                f"WHERE {_CLAIMABLE} AND {_IN_TURN}",
                self._me,
            ).fetchone()
        if row is None or row[0] is None:
            return POLL_S
        return min(POLL_S, max(0.0, float(row[0])))

    def done(self, key: str) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "UPDATE mb_update_jobs SET status = 'done', payload = NULL, error = NULL, claim_pid = NULL, "
                "claim_started = NULL WHERE key = %s",
                (key,),
            )

    def failed(self, key: str, error: str, *, transient: bool = False) -> bool:
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT attempts FROM mb_update_jobs WHERE key = %s FOR UPDATE", (key,)
            ).fetchone()
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
                conn.execute(
                    "UPDATE mb_update_jobs SET status = 'parked', attempts = %s, error = %s, "
                    "claim_pid = NULL, claim_started = NULL WHERE key = %s",
                    (attempts, error[:ERROR_CHARS], key),
                )
                return True
            conn.execute(
                "UPDATE mb_update_jobs SET attempts = %s, error = %s, claim_pid = NULL, "
                "claim_started = NULL, next_at = now() + make_interval(secs => %s) WHERE key = %s",
                (attempts, error[:ERROR_CHARS], delay, key),
            )
            return False

    def is_pending(self, key: str) -> bool:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT status FROM mb_update_jobs WHERE key = %s", (key,)).fetchone()
        return row is not None and row[0] == "pending"

    def has_due(self, user_id: str) -> bool:
        """Raises at once while the database counts as away (a message would wait on it)."""
        check_away(self._url)
        try:
            with self._pool.connection() as conn:
                row = conn.execute(
                    "SELECT 1 FROM mb_update_jobs WHERE user_id = %s AND status = 'pending' "
                    "AND next_at <= now() LIMIT 1",
                    (user_id,),
                ).fetchone()
        except psycopg.OperationalError:
            mark_away(self._url)
            raise
        return row is not None

    def pending_count(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT COUNT(*) FROM mb_update_jobs WHERE status = 'pending'").fetchone()
        return int(row[0]) if row else 0

    def parked(self) -> list[ParkedJob]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT key, user_id, attempts, error, EXTRACT(EPOCH FROM created_at) FROM mb_update_jobs "
                "WHERE status = 'parked' ORDER BY seq"
            ).fetchall()
        return [ParkedJob(k, u, a, e or "", float(c)) for k, u, a, e, c in rows]

    def retry(self, key: str | None = None) -> int:
        with self._pool.connection() as conn:
            cur = conn.execute(
                "UPDATE mb_update_jobs SET status = 'pending', attempts = 0, next_at = now(), "
                "claim_pid = NULL, claim_started = NULL "
                "WHERE status = 'parked' AND (%(key)s::text IS NULL OR key = %(key)s)",
                {"key": key},
            )
            return cur.rowcount

    def checkpoint(self) -> None:
        """Applied jobs keep no text (`done` clears it); VACUUM lets the old row versions' space be reused."""
        with self._pool.connection() as conn:
            conn.execute("VACUUM mb_update_jobs")

    def drop_older(self, before: float, user_id: str | None = None) -> int:
        """Every worker's old jobs (one table); held ones are this worker's own and new by nature."""
        with self._pool.connection() as conn:
            cur = conn.execute(
                "DELETE FROM mb_update_jobs WHERE status <> 'done' AND created_at < to_timestamp(%(before)s) "
                "AND (%(user)s::text IS NULL OR user_id = %(user)s)",
                {"before": before, "user": user_id},
            )
            return cur.rowcount

    def purge_user(self, user_id: str) -> int:
        """Every worker's jobs of this person go at once: they all live in this one table (and this
        worker's held ones; another worker's held jobs meet the erasure record when they are written)."""
        with self._held_lock:
            for key in [k for k, (owner, _) in self._held.items() if owner == user_id]:
                del self._held[key]
        with self._pool.connection() as conn:
            # The erasure first: from then on no message that arrived before it can queue anything.
            conn.execute(
                "INSERT INTO mb_erasures (person, erased_at) VALUES (%s, now()) "
                "ON CONFLICT (person) DO UPDATE SET erased_at = EXCLUDED.erased_at",
                (erasure_key(user_id),),
            )
            cur = conn.execute("DELETE FROM mb_update_jobs WHERE user_id = %s", (user_id,))
            # Every worker drops what it holds of the person (`state.erasures`); a notification is not stored.
            conn.execute("SELECT pg_notify(%s, %s)", (ERASURE_CHANNEL, user_id))
            conn.execute("VACUUM mb_update_jobs")  # the deleted rows' space is reused, not kept for readers
            return cur.rowcount

    def close(self) -> None:
        """Try held jobs one last time; what the database still refuses is lost, and the log says how many."""
        try:
            self._write_held()
        except psycopg.Error:
            pass
        if self._held:
            log.error(
                "%d memory update(s) held while PostgreSQL was away could not be written and are lost",
                len(self._held),
            )
        self._pool.close()
        self._presence.close()


def _job_args(key: str, user_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": key,
        "user": user_id,
        "payload": Jsonb(payload),
        "arrived": received_at(payload),
        "person": erasure_key(user_id),
    }

"""Connecting to PostgreSQL (`DATABASE_URL`) and keeping its schema current.

The schema is the project's: created and migrated on start by whichever worker comes first. Migrations are
numbered, each applied once in its own transaction and recorded in `mb_schema`; a transaction-level advisory
lock makes workers that start together take turns, so running it again (or on every worker) is a no-op.

Connect directly or through a *session*-pooling proxy: advisory locks and the workers' presence sessions are
per connection, which transaction pooling (PgBouncer's default) would break.
"""

from __future__ import annotations

import logging
import time

import psycopg
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

_MIGRATION_LOCK = 0x6D62_0001
"""Advisory lock key for migrations (any constant no other lock in this database uses)."""
USER_LOCK_SPACE = 0x6D62
"""First half of every per-user advisory lock key (`pg_advisory_lock(USER_LOCK_SPACE, hashtext(user_id))`)."""
SWEEP_LOCK_SPACE = 0x6D63
"""First half of the advisory lock key a periodic sweep holds while it runs (`state.sweeps`)."""
LINKS_LOCK = 0x6D62_0002
"""Transaction advisory lock that makes link and unlink take turns (they read, then rewrite, persons)."""

MIGRATIONS: list[str] = [
    # 1: the update queue, the shared retry guard / thread cache, and shared secrets.
    """
    CREATE TABLE mb_update_jobs (
        key           text PRIMARY KEY,
        seq           bigserial NOT NULL,
        user_id       text NOT NULL,
        payload       jsonb,
        status        text NOT NULL DEFAULT 'pending',   -- pending | done | parked
        attempts      integer NOT NULL DEFAULT 0,
        next_at       timestamptz NOT NULL DEFAULT now(),
        error         text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        claim_pid     integer,
        claim_started timestamptz
    );
    CREATE INDEX mb_update_jobs_pending ON mb_update_jobs (seq) WHERE status = 'pending';
    CREATE INDEX mb_update_jobs_user ON mb_update_jobs (user_id, seq);
    CREATE TABLE mb_recent_keys (
        namespace  text NOT NULL,
        key        text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, key)
    );
    CREATE INDEX mb_recent_keys_expiry ON mb_recent_keys (expires_at);
    CREATE TABLE mb_secrets (
        name  text PRIMARY KEY,
        value bytea NOT NULL
    );
    """,
    # 2: erasures, so that an answer still in the works during a forget-all cannot enqueue what it forgot.
    """
    CREATE TABLE mb_erasures (
        person    text PRIMARY KEY,          -- sha256 of the user id: the record names no one
        erased_at timestamptz NOT NULL
    );
    """,
    # 3: what people and operators change — memory controls, the corrections ledger, the audit trail — and
    #    the record of periodic sweeps (retention), so that each runs once per deployment.
    """
    CREATE TABLE mb_paused (user_id text PRIMARY KEY, since float8 NOT NULL);
    CREATE TABLE mb_links (user_id text PRIMARY KEY, person text NOT NULL, linked_at float8 NOT NULL);
    CREATE INDEX mb_links_person ON mb_links (person);
    CREATE TABLE mb_link_codes (
        code_hash text PRIMARY KEY, user_id text NOT NULL UNIQUE, expires_at float8 NOT NULL
    );
    CREATE TABLE mb_link_failures (user_id text NOT NULL, at float8 NOT NULL);
    CREATE INDEX mb_link_failures_user ON mb_link_failures (user_id, at);
    CREATE TABLE mb_retention (user_id text PRIMARY KEY, days integer NOT NULL);
    CREATE TABLE mb_memory_off (scope text PRIMARY KEY, by_user text NOT NULL, at float8 NOT NULL);
    CREATE TABLE mb_corrections (
        pref_key   text NOT NULL,
        pref_value text NOT NULL,
        person     text NOT NULL,            -- salted sha256 of the user id
        at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (pref_key, pref_value, person)
    );
    CREATE INDEX mb_corrections_person ON mb_corrections (person);
    CREATE TABLE mb_suggestions (
        id         text PRIMARY KEY,
        pref_key   text NOT NULL,
        pref_value text NOT NULL,
        status     text NOT NULL DEFAULT 'pending',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    );
    CREATE TABLE mb_audit (
        seq  bigserial PRIMARY KEY,
        line jsonb NOT NULL
    );
    CREATE TABLE mb_sweeps (name text PRIMARY KEY, last_at timestamptz NOT NULL);
    """,
]


def migrate(url: str) -> int:
    """Bring the database to the newest schema; returns the version it is at."""
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS mb_schema (version integer PRIMARY KEY)")
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM mb_schema").fetchone()
        current = int(row[0]) if row else 0
        for version, statement in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            conn.execute(statement)
            conn.execute("INSERT INTO mb_schema (version) VALUES (%s)", (version,))
            log.info("database schema migrated", extra={"version": version})
        conn.commit()
        return len(MIGRATIONS)



def state_pool(
    url: str, *, max_size: int = 4, timeout_s: float = 2.0, name: str = "memorybot-state"
) -> ConnectionPool:
    """The connections a worker's controls, corrections ledger and audit trail share (opened here).

    A short `timeout_s`: while the database is away a caller learns it in seconds (and falls back, see
    `bot.controls.controls`) instead of waiting the pool's default half minute with a person's reply.
    Connections are checked as they leave the pool (an empty query, one loopback round trip): after a
    server restart every pooled connection is dead, and each would otherwise fail one caller once.
    """
    return ConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        timeout=timeout_s,
        kwargs={"autocommit": True},
        check=ConnectionPool.check_connection,
        open=True,
        name=name,
    )


AWAY_S = 5.0
"""After a connection failure, how long the reply path (a message's controls, its enqueue) takes the database
for away without asking, instead of each call waiting out the pool's timeout."""
_away_until: dict[str, float] = {}


class DatabaseAway(psycopg.OperationalError):
    """The database failed a moment ago (`mark_away`); not asked again yet."""


def mark_away(url: str) -> None:
    _away_until[url] = time.monotonic() + AWAY_S


def mark_back(url: str) -> None:
    """The update worker reached the database: the reply path asks it again."""
    _away_until.pop(url, None)


def check_away(url: str) -> None:
    """Raise `DatabaseAway` while the database counts as away: a message falls back at once (its controls
    on what was last read, its update held) rather than waiting seconds on a dead connection."""
    if time.monotonic() < _away_until.get(url, 0.0):
        raise DatabaseAway("the database did not answer a moment ago")

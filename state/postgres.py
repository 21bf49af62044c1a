"""Connecting to PostgreSQL (`DATABASE_URL`) and keeping its schema current.

The schema is the project's: created and migrated on start by whichever worker comes first. Migrations are
numbered, each applied once in its own transaction and recorded in `mb_schema`; a transaction-level advisory
lock makes workers that start together take turns, so running it again (or on every worker) is a no-op.

Connect directly or through a *session*-pooling proxy: advisory locks and the workers' presence sessions are
per connection, which transaction pooling (PgBouncer's default) would break.
"""

from __future__ import annotations

import logging

import psycopg

log = logging.getLogger(__name__)

_MIGRATION_LOCK = 0x6D62_0001
"""Advisory lock key for migrations (any constant no other lock in this database uses)."""
USER_LOCK_SPACE = 0x6D62
"""First half of every per-user advisory lock key (`pg_advisory_lock(USER_LOCK_SPACE, hashtext(user_id))`)."""

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


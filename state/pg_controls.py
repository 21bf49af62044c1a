"""`state.controls.ControlStore` in PostgreSQL: pause, links, link codes, retention and admin switches that
every worker of a deployment sees at once.

A pause set on the worker that answered one message holds for the next message whichever worker answers
it; a link code issued on one worker is redeemed on another; an admin's switch covers the whole fleet.
Link and unlink read and rewrite a person's rows, so they take turns on a transaction advisory lock.
"""

from __future__ import annotations

import uuid

import psycopg
from psycopg_pool import ConnectionPool

from state.postgres import LINKS_LOCK, check_away, mark_away

_LINKED = (
    "SELECT user_id FROM mb_links WHERE person = (SELECT person FROM mb_links WHERE user_id = %(u)s) "
    "ORDER BY linked_at, user_id"
)


class PostgresControlStore:
    """Safe from several threads: each call takes a connection from the worker's state pool."""

    def __init__(self, pool: ConnectionPool, url: str) -> None:
        self._pool = pool
        self._url = url

    def _rows(self, sql: str, args: dict[str, object]) -> list[tuple[object, ...]]:
        with self._pool.connection() as conn:
            return list(conn.execute(sql, args).fetchall())

    def _run(self, *statements: tuple[str, dict[str, object]]) -> None:
        with self._pool.connection() as conn, conn.transaction():
            for sql, args in statements:
                conn.execute(sql, args)

    # ---- pause ---------------------------------------------------------------------------------

    def is_paused(self, user_id: str) -> bool:
        return bool(self._rows("SELECT 1 FROM mb_paused WHERE user_id = %(u)s", {"u": user_id}))

    def set_paused(self, user_id: str, paused: bool, *, now: float) -> None:
        if paused:
            self._run(
                (
                    "INSERT INTO mb_paused (user_id, since) VALUES (%(u)s, %(now)s) ON CONFLICT DO NOTHING",
                    {"u": user_id, "now": now},
                )
            )
        else:
            self._run(("DELETE FROM mb_paused WHERE user_id = %(u)s", {"u": user_id}))

    # ---- links ---------------------------------------------------------------------------------

    def linked(self, user_id: str) -> list[str]:
        others = [str(r[0]) for r in self._rows(_LINKED, {"u": user_id}) if r[0] != user_id]
        return [user_id, *others]

    def link(self, a: str, b: str, *, now: float) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LINKS_LOCK,))
            persons: dict[str, str] = {}
            for uid in (a, b):
                row = conn.execute("SELECT person FROM mb_links WHERE user_id = %s", (uid,)).fetchone()
                if row is not None:
                    persons[uid] = str(row[0])
            person = persons.get(a) or persons.get(b) or uuid.uuid4().hex
            for uid in (a, b):
                old = persons.get(uid)
                if old and old != person:  # b was already linked elsewhere: the two persons merge
                    conn.execute("UPDATE mb_links SET person = %s WHERE person = %s", (person, old))
                elif old is None:
                    conn.execute(
                        "INSERT INTO mb_links (user_id, person, linked_at) VALUES (%s, %s, %s)",
                        (uid, person, now),
                    )

    def unlink(self, user_id: str) -> None:
        with self._pool.connection() as conn, conn.transaction():
            self._unlink(conn, user_id)

    @staticmethod
    def _unlink(conn: psycopg.Connection[tuple[object, ...]], user_id: str) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LINKS_LOCK,))
        row = conn.execute("DELETE FROM mb_links WHERE user_id = %s RETURNING person", (user_id,)).fetchone()
        if row is not None:
            left = conn.execute("SELECT COUNT(*) FROM mb_links WHERE person = %s", row).fetchone()
            if left is not None and int(str(left[0])) < 2:
                conn.execute("DELETE FROM mb_links WHERE person = %s", row)

    # ---- link codes ----------------------------------------------------------------------------

    def put_code(self, code_hash: str, user_id: str, *, expires_at: float) -> None:
        self._run(
            (
                "DELETE FROM mb_link_codes WHERE user_id = %(u)s OR expires_at < %(old)s",
                {"u": user_id, "old": expires_at - 86400},
            ),
            (
                "INSERT INTO mb_link_codes (code_hash, user_id, expires_at) VALUES (%(h)s, %(u)s, %(e)s)",
                {"h": code_hash, "u": user_id, "e": expires_at},
            ),
        )

    def take_code(self, code_hash: str, *, now: float) -> str | None:
        """Single use across workers: the DELETE … RETURNING hands the code to one caller only."""
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "DELETE FROM mb_link_codes WHERE code_hash = %s RETURNING user_id, expires_at", (code_hash,)
            ).fetchone()
            conn.execute("DELETE FROM mb_link_codes WHERE expires_at < %s", (now,))
        if row is None or float(row[1]) < now:
            return None
        return str(row[0])

    def add_failure(self, user_id: str, *, now: float) -> None:
        self._run(
            ("DELETE FROM mb_link_failures WHERE at < %(old)s", {"old": now - 86400}),
            (
                "INSERT INTO mb_link_failures (user_id, at) VALUES (%(u)s, %(now)s)",
                {"u": user_id, "now": now},
            ),
        )

    def failures_since(self, user_id: str, since: float) -> list[float]:
        rows = self._rows(
            "SELECT at FROM mb_link_failures WHERE user_id = %(u)s AND at >= %(s)s ORDER BY at",
            {"u": user_id, "s": since},
        )
        return [float(str(r[0])) for r in rows]

    # ---- retention -----------------------------------------------------------------------------

    def retention_days(self, user_id: str) -> int | None:
        rows = self._rows("SELECT days FROM mb_retention WHERE user_id = %(u)s", {"u": user_id})
        return int(str(rows[0][0])) if rows else None

    def set_retention_days(self, user_id: str, days: int | None) -> None:
        if days is None:
            self._run(("DELETE FROM mb_retention WHERE user_id = %(u)s", {"u": user_id}))
        else:
            self._run(
                (
                    "INSERT INTO mb_retention (user_id, days) VALUES (%(u)s, %(d)s) "
                    "ON CONFLICT (user_id) DO UPDATE SET days = EXCLUDED.days",
                    {"u": user_id, "d": days},
                )
            )

    def retention_users(self) -> dict[str, int]:
        return {str(r[0]): int(str(r[1])) for r in self._rows("SELECT user_id, days FROM mb_retention", {})}

    # ---- admin switches ------------------------------------------------------------------------

    def memory_off(self, scopes: list[str]) -> list[str]:
        if not scopes:
            return []
        rows = self._rows("SELECT scope FROM mb_memory_off WHERE scope = ANY(%(s)s)", {"s": scopes})
        return [str(r[0]) for r in rows]

    def set_memory_off(self, scope: str, off: bool, *, by: str, now: float) -> None:
        if off:
            self._run(
                (
                    "INSERT INTO mb_memory_off (scope, by_user, at) VALUES (%(s)s, %(by)s, %(now)s) "
                    "ON CONFLICT (scope) DO UPDATE SET by_user = EXCLUDED.by_user, at = EXCLUDED.at",
                    {"s": scope, "by": by, "now": now},
                )
            )
        else:
            self._run(("DELETE FROM mb_memory_off WHERE scope = %(s)s", {"s": scope}))

    def memory_off_under(self, prefix: str) -> list[str]:
        rows = self._rows(
            "SELECT scope FROM mb_memory_off WHERE starts_with(scope, %(p)s) ORDER BY scope", {"p": prefix}
        )
        return [str(r[0]) for r in rows]

    def message_state(self, user_id: str, scopes: list[str]) -> tuple[bool, list[str], list[str]]:
        """One round trip for every message: the three answers as one row. Fails at once while the database
        counts as away (`state.postgres.check_away`): the caller decides on what it last read."""
        check_away(self._url)
        try:
            rows = self._rows(
                "SELECT EXISTS (SELECT 1 FROM mb_paused WHERE user_id = %(u)s), "
                f"ARRAY({_LINKED}), "
                "ARRAY(SELECT scope FROM mb_memory_off WHERE scope = ANY(%(s)s))",
                {"u": user_id, "s": scopes},
            )
        except psycopg.OperationalError:
            mark_away(self._url)
            raise
        paused, linked, off = rows[0]
        assert isinstance(linked, list) and isinstance(off, list)
        others = [str(u) for u in linked if u != user_id]
        return bool(paused), [user_id, *others], [str(s) for s in off]

    # ---- erasure -------------------------------------------------------------------------------

    def drop_codes(self, user_id: str) -> None:
        self._run(
            ("DELETE FROM mb_link_codes WHERE user_id = %(u)s", {"u": user_id}),
            ("DELETE FROM mb_link_failures WHERE user_id = %(u)s", {"u": user_id}),
        )

    def erase(self, user_id: str) -> None:
        with self._pool.connection() as conn, conn.transaction():
            self._unlink(conn, user_id)
            for table in ("mb_paused", "mb_link_codes", "mb_link_failures", "mb_retention"):
                conn.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,))

    def close(self) -> None:
        """The pool is the worker's (`state.SharedState` closes it)."""

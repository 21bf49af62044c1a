"""The PostgreSQL a benchmark measures `MEMORY_STORE=pgvector` on: the operator's, or a throwaway one.

With `--database-url` the benchmark uses that server as it is (each variant in a table of its own, dropped
afterwards; nothing else is touched). Without it, a throwaway PostgreSQL 16 with pgvector is started in a
temporary directory with the dev extras' `pgserver` binaries, exactly as the test suite's fixture does
(`tests/fakes/postgres_server.py`, so it needs a checkout), and removed afterwards. When neither is
possible the benchmark stops and says which one to provide; it never measures something else instead.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql

from bench.checkout import reach_test_fakes


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL with pgvector to measure on; the message says what to install or pass."""


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    url: str
    described: str
    """Where the numbers come from, for results.json and the tables."""


_NO_SERVER = (
    "MEMORY_STORE=pgvector needs PostgreSQL with the pgvector extension: pass --database-url "
    "postgresql://user:password@host:5432/db, or install the dev extras (pip install -e '.[dev]', which "
    "bring pgserver) and run from a checkout so that the benchmark can start a throwaway server itself"
)


@contextmanager
def bench_database(database_url: str | None) -> Iterator[BenchDatabase]:
    """The given database, or a fresh one on a throwaway server for the length of the block.

    Raises:
        PostgresUnavailable: no URL, and no throwaway server can be started here (what to do is in the text).
    """
    if database_url:
        _check_pgvector(database_url)
        yield BenchDatabase(database_url, "PostgreSQL at --database-url (pgvector store)")
        return
    if importlib.util.find_spec("pgserver") is None:
        raise PostgresUnavailable(_NO_SERVER + " (pgserver is not installed)")
    reach_test_fakes()
    try:
        from tests.fakes.postgres_server import postgres_server
    except ImportError:
        raise PostgresUnavailable(_NO_SERVER + " (tests/fakes is not importable: not a checkout)") from None
    with postgres_server() as server:
        if not server.has_pgvector:
            raise PostgresUnavailable(_NO_SERVER + " (the PostgreSQL binaries found have no pgvector)")
        name = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        version = _server_version(server.url(name))
        yield BenchDatabase(server.url(name), f"throwaway {version} on loopback (pgserver), pgvector store")


def _check_pgvector(url: str) -> None:
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
    except psycopg.Error as exc:
        raise PostgresUnavailable(f"cannot connect to --database-url: {exc}".strip()) from None
    if row is None:
        raise PostgresUnavailable(
            "the server at --database-url has no pgvector extension (install it: CREATE EXTENSION vector)"
        )


def _server_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


def drop_tables(url: str, *names: str) -> None:
    """Remove a benchmark variant's tables (its collection and Mem0's entity collection beside it)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))


__all__ = ["BenchDatabase", "PostgresUnavailable", "bench_database", "drop_tables"]

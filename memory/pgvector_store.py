"""Mem0's `pgvector` store made fit for several workers and for hybrid retrieval (`MEMORY_STORE=pgvector`).

Mem0's `PGVector` keeps one table per collection (`id uuid, vector vector(n), payload jsonb`) on the same
`DATABASE_URL` as the rest of the shared state. On top of it:
- **Hybrid search**, as with Qdrant Edge: dense (cosine) and sparse candidates fused by reciprocal rank
  (RRF, k = 10). The sparse side is PostgreSQL full-text search (English stemming, `ts_rank_cd`) over the
  memory text, any word matching — not BM25: PostgreSQL ranks by term frequency and proximity without
  BM25's corpus-wide IDF. That is the documented gap. The text's `tsvector` is a stored generated column
  (`fts`): computed again for every row of the person on every search, it cost tens of milliseconds per
  search on LOCOMO (`bench memory --stores pgvector`).
- **Exact search within the person's rows**, not an HNSW index: every search is filtered by `user_id`, and an
  approximate index scanned before the filter can miss a person's memories outright (pgvector before 0.8 has
  no iterative scans). An expression index on `payload->>'user_id'` makes the exact scan touch one person's
  rows only: hundreds of vectors, well under a millisecond of distance arithmetic.
- `compact`: `VACUUM` after forgets, so deleted rows' space is reused rather than kept.
"""

from __future__ import annotations

from typing import Any

import psycopg
from mem0.vector_stores.pgvector import PGVector, _build_filter_conditions
from psycopg import sql
from psycopg.types.json import Jsonb

RRF_K = 10
"""As Qdrant Edge's hybrid search: measured best on LOCOMO (see README)."""
_CREATE_LOCK = 0x6D62_0002
"""Advisory lock key while creating tables (the shared state's migrations use 0x6D620001)."""


class PgVectorUnavailable(RuntimeError):
    """The database cannot hold the vectors (unreachable, or no pgvector extension); the message says why."""


class PgVectorStore(PGVector):  # type: ignore[misc]
    """One collection (table) of Mem0's pgvector store with our indexes and hybrid search."""

    _collection_ensured: bool  # set by Mem0's PGVector

    def __init__(
        self, url: str, collection: str, dims: int, *, hybrid: bool = True, pool_size: int = 5
    ) -> None:
        super().__init__(
            dbname=None,
            collection_name=collection,
            embedding_model_dims=dims,
            user=None,
            password=None,
            host=None,
            port=None,
            diskann=False,
            hnsw=False,
            minconn=1,
            maxconn=pool_size,
            connection_string=url,
        )
        self.hybrid = hybrid
        try:
            self._ensure_collection()
        except psycopg.Error as exc:
            self.connection_pool.close()
            raise PgVectorUnavailable(
                "MEMORY_STORE=pgvector could not prepare its table in DATABASE_URL's database "
                f"({type(exc).__name__}: {str(exc).strip()}). It needs the pgvector extension: run "
                "`CREATE EXTENSION vector;` there as an administrator (managed PostgreSQL services offer it)."
            ) from exc

    def _ensure_collection(self) -> None:
        """`create_col` once per process, whether the table exists or not: it is idempotent, and brings a
        table made by an earlier version up to date (Mem0 calls it only for a missing table)."""
        if not self._collection_ensured:
            self.create_col()
            self._collection_ensured = True

    def create_col(self, *args: Any, **kwargs: Any) -> None:
        """The extension, table and indexes, in one transaction under an advisory lock: workers starting
        together would otherwise race on `CREATE … IF NOT EXISTS` (PostgreSQL reports duplicate keys)."""
        name = self.collection_name
        table = sql.Identifier(name)
        with self._get_cursor(commit=True) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
            cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
            cur.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (id uuid PRIMARY KEY, vector vector({}), payload jsonb)"
                ).format(table, sql.Literal(self.embedding_model_dims))
            )
            # Added to tables made before it existed: a one-time rewrite, under the lock above. Checked first,
            # because ALTER TABLE locks the table out for every worker even when there is nothing to add.
            cur.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = 'fts'",
                (name,),
            )
            if cur.fetchone() is None:
                cur.execute(
                    sql.SQL(
                        "ALTER TABLE {} ADD COLUMN fts tsvector GENERATED ALWAYS AS "
                        "(to_tsvector('english', coalesce(payload->>'data', ''))) STORED"
                    ).format(table)
                )
            cur.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(f"{name}_fts_idx")))
            for suffix, expression in (
                ("user_idx", "((payload->>'user_id'))"),
                ("agent_idx", "((payload->>'agent_id'))"),
                ("fts_col_idx", "USING gin (fts)"),
            ):
                cur.execute(
                    sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} " + expression).format(
                        sql.Identifier(f"{name}_{suffix}"), table
                    )
                )

    def insert(
        self, vectors: list[list[float]], payloads: list[dict[str, Any]] | None = None, ids: Any = None
    ) -> None:
        """Mem0's insert, but an id that exists is overwritten: `memorybot migrate` can run twice."""
        self._ensure_collection()
        payloads = payloads or [{} for _ in vectors]
        rows = [
            (point_id, vector, Jsonb(payload))
            for point_id, vector, payload in zip(ids or [], vectors, payloads, strict=True)
        ]
        statement = sql.SQL(
            "INSERT INTO {} (id, vector, payload) VALUES (%s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET vector = EXCLUDED.vector, payload = EXCLUDED.payload"
        ).format(sql.Identifier(self.collection_name))
        with self._get_cursor(commit=True) as cur:
            cur.executemany(statement, rows)

    def hybrid_search(
        self, query: str, vectors: list[float], top_k: int = 5, filters: dict[str, Any] | None = None
    ) -> list[Any]:
        """Dense and full-text candidates fused by RRF; `score` is the fused score (only its order means
        anything). Not hybrid (`MEMORY_HYBRID=false`): plain cosine `search`."""
        if not self.hybrid:
            return list(self.search(query, vectors, top_k, filters))
        self._ensure_collection()
        conditions, params = _build_filter_conditions(filters)
        where = sql.SQL(" AND ".join(conditions) if conditions else "TRUE")
        candidates = max(top_k * 4, 60)
        statement = sql.SQL(
            """
            WITH q AS (
                SELECT NULLIF(replace(plainto_tsquery('english', %s)::text, '&', '|'), '')::tsquery AS terms
            ),
            dense AS (
                SELECT id, row_number() OVER (ORDER BY vector <=> %s::vector) AS rank
                FROM {table} WHERE {where}
                ORDER BY vector <=> %s::vector LIMIT %s
            ),
            sparse AS (
                SELECT id, row_number() OVER (ORDER BY ts_rank_cd(fts, q.terms) DESC) AS rank
                FROM {table}, q
                WHERE q.terms IS NOT NULL AND {where} AND fts @@ q.terms
                ORDER BY ts_rank_cd(fts, q.terms) DESC LIMIT %s
            ),
            fused AS (
                SELECT id, SUM(1.0 / (%s + rank)) AS score
                FROM (SELECT * FROM dense UNION ALL SELECT * FROM sparse) ranked GROUP BY id
            )
            SELECT t.id, fused.score, t.payload FROM fused JOIN {table} t ON t.id = fused.id
            ORDER BY fused.score DESC, t.id LIMIT %s
            """
        ).format(table=sql.Identifier(self.collection_name), where=where)
        values = (
            query,
            vectors, *params, vectors, candidates,
            *params, candidates,
            RRF_K, top_k,
        )  # fmt: skip
        with self._get_cursor() as cur:
            cur.execute(statement, values)
            rows = cur.fetchall()
        return [_Hit(str(r[0]), float(r[1]), r[2]) for r in rows]

    def compact(self) -> None:
        """Let PostgreSQL reuse deleted rows' space now rather than at the next autovacuum."""
        with self.connection_pool.connection() as conn:
            conn.autocommit = True  # VACUUM cannot run in a transaction
            try:
                conn.execute(sql.SQL("VACUUM {}").format(sql.Identifier(self.collection_name)))
            finally:
                conn.autocommit = False

    def close(self) -> None:
        self.connection_pool.close()


class _Hit:
    __slots__ = ("id", "payload", "score")

    def __init__(self, id: str, score: float, payload: dict[str, Any]) -> None:
        self.id = id
        self.score = score
        self.payload = payload

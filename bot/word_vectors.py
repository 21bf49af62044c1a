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
    dim = _dim()
    known = _words([w for phrase in phrases for w in phrase])
    rows = np.zeros((len(phrases), dim), dtype=np.float32)
    for i, phrase in enumerate(phrases):
        total = np.zeros(dim, dtype=np.float32)
        count = 0
        for word in phrase:
            vector, tokens = known[word]
            total += vector
            count += tokens
        if count:
            rows[i] = total / count
    return unit(rows)


def unit(matrix: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to length 1 (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)


_CACHE_SIZE = 200_000
_cache: dict[str, tuple[NDArray[np.float32], int]] = {}


def _words(words: Sequence[str]) -> dict[str, tuple[NDArray[np.float32], int]]:
    """Each word's token-vector sum and token count; words not seen before are tokenized in one batch."""
    with _lock:
        missing = [w for w in dict.fromkeys(words) if w not in _cache]
    found: dict[str, tuple[NDArray[np.float32], int]]
    if missing:
        model = load_wordllama()
        with _lock:  # the tokenizer object is shared between worker threads
            encoded = model.tokenizer.encode_batch(missing, add_special_tokens=False)
        table = model.embedding
        found = {}
        for word, encoding in zip(missing, encoded, strict=True):
            # the tokenizer pads a batch to its longest member; the mask says which ids are real
            ids = [i for i, real in zip(encoding.ids, encoding.attention_mask, strict=True) if real]
            picked = np.clip(np.asarray(ids, dtype=np.int64), 0, table.shape[0] - 1)
            found[word] = (table[picked].sum(axis=0).astype(np.float32), len(ids))
        with _lock:
            if len(_cache) + len(found) > _CACHE_SIZE:
                _cache.clear()
            _cache.update(found)
    else:
        found = {}
    with _lock:  # (a concurrent clear may have dropped a word again: `found` still has this call's)
        return {w: _cache.get(w) or found.get(w) or _zero() for w in words}


def _zero() -> tuple[NDArray[np.float32], int]:
    return np.zeros(_dim(), dtype=np.float32), 0


@lru_cache(maxsize=1)
def _dim() -> int:
    return int(load_wordllama().embedding.shape[1])

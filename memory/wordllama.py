"""WordLlama, the static embedder whose wheel ships its weights, loaded from the wheel alone.

`WordLlama.load()` looks for its tokenizer in `wordllama/tokenizer/`, but the wheel ships it in
`wordllama/tokenizers/`; left alone it would try to download the file from the model hub. Pointing `cache_dir`
at the package directory (whose `tokenizers/` and `weights/` are the cache layout it expects) with downloads
disabled makes it load offline, or fail at once with FileNotFoundError instead of reaching the network.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import wordllama
from wordllama import WordLlama
from wordllama.inference import WordLlamaInference

__all__ = ["load_wordllama"]

_lock = threading.Lock()


def load_wordllama(dim: int = 256) -> WordLlamaInference:
    """The shipped WordLlama model (`l2_supercat`), loaded once per dimension, never downloaded.

    Args:
        dim: Embedding dimension; the wheel ships 256 (smaller ones are truncations of it).
    """
    with _lock:  # two worker threads asking at once must not load it twice
        return _load(dim)


@lru_cache(maxsize=4)
def _load(dim: int) -> WordLlamaInference:
    package_dir = Path(wordllama.__file__).parent
    if dim == 256:
        return WordLlama.load(cache_dir=package_dir, dim=256, disable_download=True)
    return WordLlama.load(cache_dir=package_dir, dim=256, trunc_dim=dim, disable_download=True)

"""The numbers every benchmark reports: latency percentiles, evidence hit@k / recall@k, and token counts.

Tokens are approximated, not counted with a model tokenizer: tiktoken's encodings download from the internet
at first use, which this project never does. `approx_tokens` counts the pieces cl100k's pre-tokenizer splits
text into (letter runs, digit groups of up to three, punctuation runs, English contractions). Common English
words are one cl100k token each, so this is close to, and slightly under, cl100k for English chat (on LOCOMO
a whole conversation counts 17,560 this way; the ≈ 20,600 cl100k reference also held session dates and image
captions, which count 19,790 this way).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from bot.context_budget import approx_tokens

TOKENIZER_NAME = "regex pre-tokens (cl100k-like split: letter runs, 1-3 digit groups, punctuation runs)"
KS: tuple[int, ...] = (5, 10, 20)
BUDGETS: tuple[int, ...] = (500, 1000)
"""Memory-context sizes (tokens) the "hit within a budget" figures are given for."""


def memory_block(texts: Sequence[str]) -> str:
    """The memory block an agent prompt would carry for these memories: one bullet per memory."""
    return "<user_memory>\n" + "\n".join(f"- {text}" for text in texts) + "\n</user_memory>"


def fitting(texts: Sequence[str], budget: int) -> int:
    """How many of `texts`, taken in order, fit in a `memory_block` of at most `budget` tokens."""
    used = approx_tokens(memory_block([]))
    for count, text in enumerate(texts):
        used += approx_tokens(f"- {text}")
        if used > budget:
            return count
    return len(texts)


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) with linear interpolation between closest ranks; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(values_ms: Sequence[float], qs: Iterable[int] = (50, 95, 99)) -> dict[str, float]:
    """`{"p50": ..., "p95": ..., "p99": ...}` in the unit given, rounded to three decimals."""
    return {f"p{q}": round(percentile(values_ms, q), 3) for q in qs}


def hit_at(ranked: Sequence[str], evidence: Iterable[str], k: int) -> bool:
    """Whether any evidence id is among the first `k` ranked ids."""
    wanted = set(evidence)
    return any(item in wanted for item in ranked[:k])


def recall_at(ranked: Sequence[str], evidence: Iterable[str], k: int) -> float:
    """The share of distinct evidence ids among the first `k` ranked ids (0 when there is no evidence)."""
    wanted = set(evidence)
    if not wanted:
        return 0.0
    return len(wanted.intersection(ranked[:k])) / len(wanted)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


__all__ = [
    "BUDGETS",
    "KS",
    "TOKENIZER_NAME",
    "approx_tokens",
    "fitting",
    "hit_at",
    "latency_summary",
    "mean",
    "memory_block",
    "percentile",
    "recall_at",
]

"""How many memories enter the agent's prompt: as many as fit a token budget, not a fixed count.

Memories differ a lot in length (a preference is five words, a shared article's summary fifty), so a fixed
top-k either wastes the context or overflows it. The recall step asks the store for up to `MEMORY_TOP_K`
candidates, best first, and keeps the leading ones whose `<user_memory>` lines fit `MEMORY_CONTEXT_TOKENS`.
Preferences always stay: they shape every tag. On LOCOMO a 1,000-token memory context holds about 25 dated
turns and finds the evidence for most questions (docs/benchmarks.md).

Tokens are approximated without a model tokenizer (tiktoken's encodings download at first use, which this
project never does): the pieces cl100k's pre-tokenizer splits text into, close to and slightly under cl100k.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from memory.types import MemoryRecord

__all__ = ["approx_tokens", "line_tokens", "within_budget"]

_PRE_TOKENS = re.compile(r"'(?:s|t|re|ve|m|ll|d)\b|[^\W\d_]+|\d{1,3}|[^\s\w]+", re.IGNORECASE)
_BLOCK_TOKENS = 10
"""The `<user_memory>` tags around the lines and the line that says nothing is remembered."""


def approx_tokens(text: str) -> int:
    """Approximate LLM tokens in `text`: letter runs, 1-3 digit groups, punctuation runs, contractions."""
    return len(_PRE_TOKENS.findall(text))


def line_tokens(record: MemoryRecord) -> int:
    """What one memory costs in the prompt, as `[<id>] (<category>, <date>) <text>` (bot/agent.py)."""
    return approx_tokens(f"[{record.id}] ({record.category}, 2000-01-01) {record.text}")


def within_budget(
    records: Sequence[MemoryRecord],
    max_tokens: int,
    *,
    keep: Callable[[MemoryRecord], bool] = lambda record: record.category == "preference",
) -> list[MemoryRecord]:
    """The records `keep` says must stay, then the others in order until the next would overflow the budget.

    Args:
        records: Candidates, most relevant first.
        max_tokens: The memory block's budget; the kept records count against it too.
        keep: Records that stay whatever their cost.
    """
    kept = [r for r in records if keep(r)]
    used = _BLOCK_TOKENS + sum(line_tokens(r) for r in kept)
    chosen = {id(r) for r in kept}
    for record in records:
        if id(record) in chosen:
            continue
        used += line_tokens(record)
        if used > max_tokens:
            break
        chosen.add(id(record))
    return [r for r in records if id(r) in chosen]

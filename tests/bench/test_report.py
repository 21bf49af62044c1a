"""results.json keeps its documented shape, sections merge across runs, and the plots are real PNGs."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.report import (
    REQUIRED_SHAPE,
    RESULTS_FILE,
    markdown,
    missing_keys,
    plot_hit_at_k,
    plot_latency_cdf,
    write_results,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def variant(name: str, store: str, retrieval: str, hit10: float) -> dict[str, Any]:
    return {
        "name": name,
        "store": store,
        "retrieval": retrieval,
        "add_per_s": 80.5,
        "search_ms": {"p50": 9.1, "p95": 12.0, "p99": 15.5},
        "hit_at": {"5": hit10 - 0.1, "10": hit10, "20": hit10 + 0.1},
        "hit_within_tokens": {"500": hit10 + 0.05, "1000": hit10 + 0.15},
        "recall_at": {"5": 0.4, "10": 0.5, "20": 0.6},
        "context_tokens_mean": 330.2,
        "full_tokens_mean": 17561.0,
        "search_ms_no_embed": {"p50": 0.2, "p95": 0.4, "p99": math.nan},
        "per_category": {"multi-hop": {"category": 1, "n": 3, "hit_at": {"10": 0.5}}},
    }


VARIANTS = [variant("edge/dense", "edge", "dense", 0.585), variant("edge/hybrid", "edge", "hybrid", 0.642)]
MEMORY: dict[str, Any] = {
    "dataset": {
        "conversations": 10,
        "turns": 5882,
        "questions_scored": 1527,
        "category_mapping": "LoCoMo code",
    },
    "variants": [
        variant("edge/dense", "edge", "dense", 0.585),
        variant("edge/hybrid", "edge", "hybrid", 0.642),
    ],
    "scale": [
        {
            "store": "edge",
            "users": 1000,
            "memories": 100000,
            "search_ms": {"p50": 8.0, "p95": 11.0, "p99": 14.0},
        }
    ],
}
CHAT = {
    "users": 50,
    "messages": 20,
    "messages_per_s": 120.0,
    "reply_ms": {"p50": 40.0, "p95": 90.0, "p99": 120.0},
    "update_lag_ms": {"p50": 60.0, "p95": 200.0},
    "peak_rss_mb": 512.3,
    "path": "slack-http",
}


def test_results_json_holds_every_documented_key_and_no_nan(tmp_path: Path) -> None:
    write_results(tmp_path, "memory", MEMORY)
    document = write_results(tmp_path, "chat", CHAT)
    text = (tmp_path / RESULTS_FILE).read_text(encoding="utf-8")
    loaded = json.loads(text)  # strict JSON: NaN would not round-trip as null
    assert "NaN" not in text
    assert loaded == document
    assert missing_keys(loaded) == []
    assert loaded["memory"]["variants"][0]["search_ms_no_embed"]["p99"] is None
    machine = loaded["machine"]
    assert machine["cores"] >= 1 and machine["python"] and len(machine["load_avg_1_5_15"]) == 3


def test_each_benchmark_replaces_only_its_own_section(tmp_path: Path) -> None:
    write_results(tmp_path, "memory", MEMORY)
    write_results(tmp_path, "chat", CHAT)
    write_results(tmp_path, "chat", {**CHAT, "messages_per_s": 99.0})
    loaded = json.loads((tmp_path / RESULTS_FILE).read_text(encoding="utf-8"))
    assert loaded["memory"]["variants"][1]["name"] == "edge/hybrid"
    assert loaded["chat"]["messages_per_s"] == 99.0


def test_missing_keys_names_what_is_absent() -> None:
    broken = json.loads(json.dumps({"machine": {}, "memory": MEMORY, "chat": CHAT}))
    del broken["memory"]["variants"][1]["hit_at"]["10"]
    del broken["memory"]["variants"][0]["hit_within_tokens"]
    del broken["chat"]["peak_rss_mb"]
    assert missing_keys(broken) == [
        "memory.variants[0].hit_within_tokens",
        "memory.variants[1].hit_at.10",
        "chat.peak_rss_mb",
    ]
    assert missing_keys({"machine": {}, "memory": None, "chat": None}) == []
    assert set(REQUIRED_SHAPE) == {"machine", "memory", "chat"}


def test_markdown_tables_show_the_measured_numbers(tmp_path: Path) -> None:
    document = write_results(tmp_path, "memory", MEMORY)
    document = write_results(tmp_path, "chat", CHAT)
    text = markdown(document)
    assert (
        "| edge/hybrid | 80.5 | 9.10 / 12.0 / 15.5 | 0.40 | 54.2% | 64.2% | 74.2% | 69.2% / 79.2% | 50.0% "
        "| 330.2 |" in text
    )
    assert "| edge | 100,000 | 1,000 | 8.00 / 11.0 / 14.0 |" in text
    assert "| – | 50 x 20 | 120.0 | 40.0 / 90.0 / 120.0 | 60.0 / 200.0 / – | 512.3 |" in text
    assert "multi-hop (cat. 1) hit@10" in text


def test_plots_are_png_files(tmp_path: Path) -> None:
    cdf = plot_latency_cdf({"edge/dense": [1.0, 2.0, 5.0], "empty": []}, tmp_path / "cdf.png", title="t")
    bars = plot_hit_at_k(VARIANTS, tmp_path / "hits.png")
    for path in (cdf, bars):
        assert path.read_bytes()[:8] == PNG_MAGIC
        assert path.stat().st_size > 5_000

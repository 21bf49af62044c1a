"""Retrieval and latency metrics: hit@k, recall@k, percentiles, approximate tokens."""

from __future__ import annotations

import math

from bench.metrics import approx_tokens, hit_at, latency_summary, memory_block, percentile, recall_at

RANKED = ["D1:4", "D2:1", "D1:1", "D3:7", "D5:2"]


def test_hit_at_k_counts_any_evidence_within_the_first_k() -> None:
    assert hit_at(RANKED, ["D1:1"], 3)
    assert not hit_at(RANKED, ["D1:1"], 2)
    assert hit_at(RANKED, ["D9:9", "D2:1"], 2)
    assert not hit_at(RANKED, ["D9:9"], 20)
    assert not hit_at([], ["D1:1"], 5)


def test_recall_at_k_is_the_share_of_distinct_evidence_found() -> None:
    assert recall_at(RANKED, ["D1:4", "D3:7"], 2) == 0.5
    assert recall_at(RANKED, ["D1:4", "D3:7"], 4) == 1.0
    assert recall_at(RANKED, ["D1:4", "D1:4", "D9:9"], 5) == 0.5
    assert recall_at(RANKED, [], 5) == 0.0


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.5
    assert percentile(values, 95) == 95.05
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    assert latency_summary([1.0, 2.0, 3.0]) == {"p50": 2.0, "p95": 2.9, "p99": 2.98}


def test_approximate_tokens_split_like_a_bpe_pre_tokenizer() -> None:
    assert approx_tokens("") == 0
    assert approx_tokens("Caroline: I went to the LGBTQ support group yesterday!") == 11
    assert approx_tokens("It's 12345 km") == 5  # It, 's, 123, 45, km
    block = memory_block(["Likes Rust", "Avoids politics"])
    assert block == "<user_memory>\n- Likes Rust\n- Avoids politics\n</user_memory>"
    assert approx_tokens(block) > approx_tokens("Likes Rust Avoids politics")

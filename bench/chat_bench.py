"""`memorybot bench chat`: simulated users talking to the bot at once, with the offline model.

Each simulated user sends its messages one after another (the next as soon as the previous reply arrived), all
users at the same time. The preferred path is the real Slack adapter: Slack-signed HTTP requests to the real
Bolt app, which posts its replies to the fake Slack Web API from the Slack tests (`tests/fakes/slack_api.py`);
a reply is the moment that fake receives `chat.postMessage`. When the adapter or the fake is not available
(an installed package without the tests), the users call `ChatService.handle` directly, and the results say
`"path": "chat-service"`.

Everything runs in this one process and event loop: the simulated Slack competes with the bot for the same two
cores, as a load generator on the same machine would.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import psutil
from rich.progress import Progress

from bench.checkout import reach_test_fakes
from bench.metrics import latency_summary
from bench.progress import start_step
from bench.stores import bench_settings
from bot.identity import user_id_for
from bot.settings import EmbedderName, Settings, StoreName
from bot.types import ChatIdentity, IncomingMessage
from memory.client import configure_mem0_environment

log = logging.getLogger(__name__)

ChatPath = Literal["slack-http", "chat-service"]
_TEAM = "TBENCH"
_POLL_S = 0.02
_POLL_BATCH = 64
_REPLY_TIMEOUT_S = 120.0
_RATE_LIMIT = 1_000_000
"""Per-user rate limit for the run: the default (20 a minute) would answer most benchmark messages with
"slow down" instead of tags."""

MESSAGES = (
    "I prefer lowercase tags",
    "A long read about Rust async runtimes, work-stealing schedulers and why tail latency matters",
    "I avoid politics, keep it out of my tags please",
    "New sourdough recipe with rye flour, a cold overnight proof and a very hot Dutch oven",
    "I like climbing and bouldering content",
    "Notes from the jazz festival: a trio playing Monk tunes with a tuba instead of a bass",
    "Tutorial on PostgreSQL indexes, partial indexes and when the planner ignores them",
    "My name is Sam and I work as a data engineer",
    "Photos from a cycling trip through the Alps, three passes in two days",
    "A beginner's guide to growing tomatoes on a balcony in pots",
    "Paper summary: retrieval augmented generation with hybrid dense and sparse search",
    "I love astronomy, especially anything about Jupiter's moons",
)


@dataclass(frozen=True, slots=True)
class ChatBenchConfig:
    work_dir: Path
    users: int = 50
    messages: int = 20
    path: Literal["auto", "slack-http", "chat-service"] = "auto"
    store: StoreName = "edge"
    embedder: EmbedderName = "wordllama"


@dataclass(slots=True)
class ChatBenchRun:
    section: dict[str, Any]
    reply_ms: list[float] = field(default_factory=list)


Exchange = Callable[[str, str], Awaitable[tuple[str, float]]]
"""Send one message as a user; returns the update's queue key and the perf_counter time of the reply."""


def load_slack_fakes() -> tuple[ModuleType, ModuleType] | str:
    """The Slack tests' fake Web API and payload builders, or why they cannot be used.

    They live in `tests/` of the checkout, which is not part of the installed package: when running from a
    checkout, its root is put on `sys.path` to reach them.
    """
    try:
        import adapters.slack  # noqa: F401
    except ImportError as exc:
        return f"the Slack adapter cannot be imported ({exc})"
    reach_test_fakes()
    try:
        from tests.fakes import slack_api, slack_payloads
    except ImportError as exc:
        return f"the fake Slack from the Slack tests is not available ({exc}); run from a checkout"
    return slack_api, slack_payloads


async def run_chat_bench(config: ChatBenchConfig, progress: Progress) -> ChatBenchRun:
    configure_mem0_environment(config.work_dir)  # before mem0 is imported: telemetry off, files here
    fakes = load_slack_fakes() if config.path != "chat-service" else "chosen with --path chat-service"
    if isinstance(fakes, str) and config.path == "slack-http":
        raise RuntimeError(f"cannot run the Slack HTTP path: {fakes}")
    settings = bench_settings(
        config.work_dir,
        store=config.store,
        hybrid=True,
        embedder=config.embedder,
        rate_limit_per_minute=_RATE_LIMIT,
    )
    process = psutil.Process()
    if isinstance(fakes, str):
        path: ChatPath = "chat-service"
        path_note = f"ChatService.handle called directly: {fakes}"
        driver = _service_driver(settings)
    else:
        path = "slack-http"
        path_note = (
            "signed Events API requests (message.im) to the real Bolt app over loopback HTTP; replies "
            "are chat.postMessage calls received by the fake Slack Web API from the Slack tests"
        )
        driver = _slack_driver(settings, *fakes)
    async with driver as (service, exchange, team):
        rss_start = process.memory_info().rss
        await exchange("UWARMUP", MESSAGES[1])  # model, Bolt auth.test and first-request costs stay out
        await service.drain()
        section, reply_ms = await _load(service, exchange, team, config, progress)
        await service.drain()
        parked = len(await asyncio.to_thread(service.queue.parked))
    peak = max(section.pop("_rss_peak"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    section.update(
        peak_rss_mb=round(peak / 2**20, 1),
        path=path,
        path_note=path_note,
        store=config.store,
        embedder=config.embedder,
        memory_context_tokens=settings.memory_context_tokens,
        model="offline",
        max_concurrency=settings.max_concurrency,
        rate_limit_per_minute=_RATE_LIMIT,
        rss_start_mb=round(rss_start / 2**20, 1),
        updates_parked=parked,
    )
    return ChatBenchRun(section=_ordered(section), reply_ms=reply_ms)


async def _load(
    service: Any, exchange: Exchange, team: str, config: ChatBenchConfig, progress: Progress
) -> tuple[dict[str, Any], list[float]]:
    total = config.users * config.messages
    task = start_step(progress, f"chat: {config.users} users x {config.messages} messages", total)
    reply_ms: list[float] = []
    errors: list[str] = []
    lag = _LagTracker(service)
    sampler = _RssSampler()
    stop = asyncio.Event()
    watchers = [asyncio.create_task(lag.run(stop)), asyncio.create_task(sampler.run(stop))]

    async def user(index: int) -> None:
        name = f"UBENCH{index:04d}"
        user_id = user_id_for(ChatIdentity(platform="slack", user=name, workspace=team))
        for number in range(config.messages):
            text = MESSAGES[(index + number) % len(MESSAGES)]
            sent = time.perf_counter()
            try:
                key, replied = await asyncio.wait_for(exchange(name, text), _REPLY_TIMEOUT_S)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                progress.advance(task)
                continue
            reply_ms.append((replied - sent) * 1000)
            lag.expect(key, user_id, replied)
            progress.advance(task)

    started = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(config.users)))
    elapsed = time.perf_counter() - started
    backlog = await asyncio.to_thread(service.queue.pending_count)
    stop.set()
    await asyncio.gather(*watchers)
    caught_up = time.perf_counter() - started - elapsed
    await lag.verify()
    section: dict[str, Any] = {
        "users": config.users,
        "messages": config.messages,
        "messages_per_s": round(len(reply_ms) / elapsed, 1) if elapsed > 0 else 0.0,
        "reply_ms": latency_summary(reply_ms),
        "update_lag_ms": latency_summary(lag.lags_ms),
        "total_messages": total,
        "replies": len(reply_ms),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "wall_s": round(elapsed, 2),
        "update_lag_samples": len(lag.lags_ms),
        "updates_without_memory": lag.without_memory,
        "updates_unresolved": len(lag.pending),
        "updates_pending_at_last_reply": backlog,
        "updates_caught_up_s": round(caught_up, 2),
        "update_lag_method": (
            "reply -> the update job is done in the durable queue (polled every "
            f"{_POLL_S * 1000:.0f} ms, oldest {_POLL_BATCH} outstanding first); afterwards the store is "
            "checked to list a memory carrying that job's key (else: updates_without_memory)"
        ),
        "_rss_peak": sampler.peak,
    }
    return section, reply_ms


class _LagTracker:
    """Reply -> memory update landed, for every answered message, while the load runs.

    A job that the durable queue reports done has written its memories (the worker marks it done only after
    the store returned), so the poll only asks the queue; that the memories really are there is checked once
    per user at the end (`verify`), off the clock.
    """

    def __init__(self, service: Any) -> None:
        self._service = service
        self.pending: dict[str, tuple[str, float]] = {}
        self._landed: dict[str, tuple[str, float]] = {}
        self.lags_ms: list[float] = []
        self.without_memory = 0

    def expect(self, key: str, user_id: str, replied: float) -> None:
        self.pending[key] = (user_id, replied)

    async def run(self, stop: asyncio.Event) -> None:
        deadline: float | None = None
        while self.pending or not stop.is_set():
            if stop.is_set():
                deadline = deadline or time.perf_counter() + _REPLY_TIMEOUT_S
                if time.perf_counter() > deadline:
                    return
            await self._poll()
            await asyncio.sleep(_POLL_S)

    async def _poll(self) -> None:
        # The oldest replies first, a bounded number per poll: the queue applies jobs in arrival order, and
        # checking hundreds of backlogged keys every poll would itself slow the queue it measures.
        keys = list(self.pending)[:_POLL_BATCH]
        if not keys:
            return
        queue = self._service.queue
        finished = await asyncio.to_thread(lambda: [k for k in keys if not queue.is_pending(k)])
        now = time.perf_counter()
        for key in finished:
            user_id, replied = self.pending.pop(key)
            self._landed[key] = (user_id, (now - replied) * 1000)

    async def verify(self) -> None:
        """Keep the lags of updates whose memory the store lists; count the updates that stored nothing."""
        by_user: dict[str, list[str]] = {}
        for key, (user_id, _) in self._landed.items():
            by_user.setdefault(user_id, []).append(key)
        for user_id, keys in by_user.items():
            stored = {r.metadata.get("job_key") for r in await self._service.store.all(user_id)}
            for key in keys:
                if key in stored:
                    self.lags_ms.append(self._landed[key][1])
                else:
                    self.without_memory += 1


class _RssSampler:
    def __init__(self) -> None:
        self._process = psutil.Process()
        self.peak = self._process.memory_info().rss

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            try:
                await asyncio.wait_for(stop.wait(), 0.05)
            except TimeoutError:
                pass


@asynccontextmanager
async def _service_driver(settings: Settings) -> AsyncIterator[tuple[Any, Exchange, str]]:
    from memorybot.app import build_service

    async with build_service(settings, warm_up=True) as service:

        async def exchange(user: str, text: str) -> tuple[str, float]:
            message_id = str(uuid.uuid4())
            identity = ChatIdentity(platform="slack", user=user, workspace=_TEAM, channel="D" + user)
            await service.handle(IncomingMessage(identity=identity, text=text, message_id=message_id))
            return f"slack:{message_id}", time.perf_counter()

        yield service, exchange, _TEAM


@asynccontextmanager
async def _slack_driver(
    settings: Settings, slack_api: ModuleType, payloads: ModuleType
) -> AsyncIterator[tuple[Any, Exchange, str]]:
    from pydantic import SecretStr

    from adapters.slack import SlackAdapter
    from memorybot.app import build_service

    replies: dict[str, asyncio.Queue[float]] = {}

    def inbox(channel: str) -> asyncio.Queue[float]:
        """Arrival times of the bot's replies in `channel`."""
        return replies.setdefault(channel, asyncio.Queue())

    def on_call(call: Any) -> None:
        if call.method == "chat.postMessage":
            inbox(str(call.params.get("channel"))).put_nowait(time.perf_counter())

    async with slack_api.FakeSlack(on_call=on_call) as fake:
        slack_settings = settings.model_copy(
            update={
                "slack_bot_token": SecretStr(slack_api.BOT_TOKEN),
                "slack_signing_secret": SecretStr(slack_api.SIGNING_SECRET),
                "slack_app_token": None,
                "slack_api_url": fake.api_url,
                "slack_host": "127.0.0.1",
                "slack_port": 0,
            }
        )
        async with build_service(slack_settings, warm_up=True) as service:
            adapter = SlackAdapter(slack_settings, service)
            serving = asyncio.create_task(adapter.start())
            await adapter.started()
            url = f"http://127.0.0.1:{adapter.port}/slack/events"
            try:
                async with slack_api.SlackSender(url) as sender:

                    async def exchange(user: str, text: str) -> tuple[str, float]:
                        body = payloads.dm(user, text)
                        replied_in = inbox(body["event"]["channel"])
                        status, answer = await sender.event(body)
                        if status != 200:
                            raise RuntimeError(f"Bolt answered HTTP {status}: {answer[:200]}")
                        replied = await replied_in.get()
                        return f"slack:{body['event']['client_msg_id']}", replied

                    yield service, exchange, slack_api.TEAM_ID
            finally:
                await adapter.stop()
                await serving


_KEY_ORDER = ("users", "messages", "messages_per_s", "reply_ms", "update_lag_ms", "peak_rss_mb")


def _ordered(section: dict[str, Any]) -> dict[str, Any]:
    head = {key: section[key] for key in _KEY_ORDER}
    return {**head, **{k: v for k, v in section.items() if k not in head}}


__all__ = ["MESSAGES", "ChatBenchConfig", "ChatBenchRun", "load_slack_fakes", "run_chat_bench"]

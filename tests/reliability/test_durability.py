"""Nothing lost: a crash between reply and memory update, a store that is down, a model that fails."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from bot import messages
from bot.types import ChatIdentity, IncomingMessage
from memorybot.app import build_service
from tests.conftest import make_settings

ALICE = ChatIdentity(platform="console", user="alice", channel="c1")

# Holds alice's memory lock (a real mechanism of the service, not a mock) so the update cannot land, replies,
# and waits to be killed.
CRASH_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from memorybot.app import build_service
    from bot.settings import Settings
    from bot.types import ChatIdentity, IncomingMessage

    async def main():
        settings = Settings(_env_file=None, data_dir=sys.argv[1])
        async with build_service(settings) as service:
            async with service.store.user_lock("console:alice"):
                identity = ChatIdentity(platform="console", user="alice", channel="c1")
                reply = await service.handle(IncomingMessage(identity, "I like zebra-crash-topic content",
                                                             message_id="crash-1"))
                print("replied:", reply.text, flush=True)
                await asyncio.Event().wait()

    asyncio.run(main())
    """
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MEM0_DIR"}
    env["LOG_LEVEL"] = "ERROR"
    return env


def test_update_survives_sigkill_after_reply_and_lands_exactly_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_SCRIPT, str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("replied:"), proc.stderr.read() if proc.stderr else line
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    for _ in range(2):  # the first restart replays; the second must not add it again
        done = subprocess.run(
            [sys.executable, "-m", "memorybot", "memories", "--user", "alice", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**_env(), "MEMORYBOT_DATA_DIR": str(data)},
        )
        assert done.returncode == 0, done.stderr
        texts = [m["text"] for m in json.loads(done.stdout)["memories"]]
        assert len([t for t in texts if "zebra" in t.lower()]) == 1, texts


async def test_store_down_gives_a_reply_without_memory_and_the_update_waits(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with build_service(settings) as service:
        await service.handle(IncomingMessage(ALICE, "I prefer lowercase tags", message_id="m0"))
        await service.drain()
        # The store's files go away underneath the running service: it cannot reopen them.
        service.store.vector_store.close()
        store_dir = settings.data_dir / "edge" / settings.qdrant_collection
        away = settings.data_dir / "edge-away"
        store_dir.rename(away)
        store_dir.write_text("not a store any more")
        reply = await service.handle(
            IncomingMessage(ALICE, "I like rust-while-down content", message_id="m1")
        )
        assert messages.MEMORY_UNAVAILABLE in reply.notices
        assert reply.text
        assert service.queue.pending_count() == 1
        store_dir.unlink()
        away.rename(store_dir)
    async with build_service(settings) as service:  # back up: the waiting update lands
        await service.drain()
        page = await service.list_memories(ALICE, limit=20)
        assert any("rust-while-down" in m.text.lower() for m in page.items)


async def test_model_failure_gives_a_friendly_reply_and_keeps_the_memory(tmp_path: Path) -> None:
    # A real OpenAI-compatible client pointed at a closed port: the model is "down".
    settings = make_settings(
        tmp_path / "data",
        bot_model="openai:gpt-4o-mini",
        bot_model_base_url="http://127.0.0.1:9/v1",
        bot_model_api_key="unused",
        bot_model_timeout_s=10,
    )
    async with build_service(settings) as service:
        reply = await service.handle(IncomingMessage(ALICE, "I avoid politics", message_id="m1"))
        assert reply.text == messages.MODEL_FAILED
        await service.drain()
        page = await service.list_memories(ALICE)
        assert any("politic" in m.text.lower() for m in page.items)

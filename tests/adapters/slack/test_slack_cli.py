"""`memorybot run` with Slack settings serves Slack: the whole program, started as a user would, against
the fake Slack."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.fakes import slack_payloads as p
from tests.fakes.processes import interrupt
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSender

START_DEADLINE_S = 120.0


async def test_memorybot_run_answers_a_signed_mention_in_its_thread(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_HOST": "127.0.0.1",
        "SLACK_PORT": "0",
        "MEMORYBOT_DATA_DIR": str(tmp_path / "data"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "MEM0_TELEMETRY": "False",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "memorybot",
        "run",
        cwd=tmp_path,  # no .env of the developer's is read
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    log: list[str] = []
    draining: list[asyncio.Task[None]] = []
    try:
        port = await asyncio.wait_for(_bound_port(process, log), START_DEADLINE_S)
        draining.append(asyncio.create_task(_drain(process, log)))
        async with SlackSender(f"http://127.0.0.1:{port}/slack/events") as sender:
            mention = p.app_mention("UALICE", "tag this: a beginner's guide to rust lifetimes")
            status, _ = await sender.event(mention)
            assert status == 200
            (reply,) = await fake_slack.wait_for_calls("chat.postMessage")
        assert reply.params["channel"] == mention["event"]["channel"]
        assert reply.params["thread_ts"] == mention["event"]["ts"]
        assert reply.params["blocks"]
        assert fake_slack.calls_to("auth.test")
        process.send_signal(signal.SIGTERM)  # how systemd, Docker and Kubernetes stop a service
        await asyncio.wait_for(process.wait(), START_DEADLINE_S)
    finally:
        await interrupt(process)
    await asyncio.gather(*draining)
    assert process.returncode == 0, "".join(log)  # it stopped cleanly on SIGTERM, and was not killed
    assert any("SIGTERM" in line for line in log), "".join(log)
    assert "Traceback" not in "".join(log), "".join(log)
    assert BOT_TOKEN not in "".join(log), "the bot token leaked into the logs"


async def _bound_port(process: asyncio.subprocess.Process, log: list[str]) -> int:
    """Read the logs until the adapter says which port it bound (SLACK_PORT=0 picks a free one)."""
    assert process.stderr is not None
    while line := (await process.stderr.readline()).decode():
        log.append(line)
        if "Slack adapter started" in line:
            return int(json.loads(line)["port"])
    stdout = (await process.stdout.read()).decode() if process.stdout else ""
    raise AssertionError("memorybot run exited before serving Slack:\n" + "".join(log) + stdout)


async def _drain(process: asyncio.subprocess.Process, log: list[str]) -> None:
    assert process.stderr is not None
    while line := (await process.stderr.readline()).decode():
        log.append(line)

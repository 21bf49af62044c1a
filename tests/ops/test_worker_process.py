"""The operator's view of a real worker: the `memorybot run` command (in this process, Slack over HTTP
against the fake Slack, on PostgreSQL) answers its probes, `memorybot status` lists it by its pid and host,
and SIGTERM stops it cleanly and takes its probes away."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bot.settings import load_settings
from memorybot.cli import app
from memorybot.status import gather
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack

START_DEADLINE_S = 60.0


def test_a_worker_is_ready_listed_and_stopped_by_sigterm(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGAPPNAME", "restored-after-the-test")  # `run` names this process's sessions
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        health_port = sock.getsockname()[1]
    fake = _FakeSlackThread()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.start(),
        "SLACK_HOST": "127.0.0.1",
        "SLACK_PORT": "0",
        "HEALTH_PORT": str(health_port),
        "DATABASE_URL": database_url,
        "MEMORYBOT_DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "WARNING",
    }
    seen: dict[str, Any] = {}
    finished = threading.Event()
    probe = threading.Thread(target=_probe_then_stop, args=(health_port, env, seen, finished), daemon=True)
    try:
        probe.start()
        result = CliRunner().invoke(app, ["run"], env=env)  # returns once SIGTERM has stopped it
        finished.set()
        probe.join(START_DEADLINE_S)
    finally:
        fake.stop()
    assert "error" not in seen, seen["error"]
    assert result.exit_code == 0, result.output
    assert seen["ready"] == {"status": "ready"}
    assert seen["workers"] == [(os.getpid(), socket.gethostname())]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{health_port}/healthz")


def _probe_then_stop(port: int, env: dict[str, str], seen: dict[str, Any], finished: threading.Event) -> None:
    """What Kubernetes and an operator do meanwhile: probe until ready, look at the fleet, then SIGTERM."""
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10.0) as client:
            while time.monotonic() < deadline and not finished.is_set():
                try:
                    answer = client.get("/readyz")
                except httpx.ConnectError:  # not listening yet: the bot is still loading
                    answer = None
                if answer is not None and answer.status_code == 200:
                    seen["ready"] = answer.json()
                    seen["healthz"] = client.get("/healthz").status_code
                    break
                if answer is not None:
                    assert answer.json()["reason"] == "the adapters are starting", answer.text
                time.sleep(0.05)
        settings = load_settings(
            data_dir=Path(env["MEMORYBOT_DATA_DIR"]), database_url=env["DATABASE_URL"], _env_file=None
        )
        seen["workers"] = [(w["pid"], w["host"]) for w in gather(settings)["workers"]]
    except BaseException as exc:
        seen["error"] = repr(exc)
    finally:
        if not finished.is_set():  # the command still runs: stop it as systemd or Kubernetes would
            # SIGTERM only once ready (the runner's handler is installed before its adapters start);
            # before that, Ctrl-C's KeyboardInterrupt, which the command turns into exit 130.
            os.kill(os.getpid(), signal.SIGTERM if "ready" in seen else signal.SIGINT)


class _FakeSlackThread:
    """The fake Slack on its own event loop (the command runs its own with `asyncio.run`)."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._fake = FakeSlack()

    def start(self) -> str:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._fake.__aenter__(), self._loop).result(10)
        return self._fake.api_url

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._fake.__aexit__(None, None, None), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

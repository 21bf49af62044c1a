"""`HEALTH_PORT`: the probes over real HTTP on loopback — readiness as the worker's state changes, and the
real runner serving them beside the console-less Slack HTTP adapter (against the fake Slack)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING

import httpx
import pytest

from bot.settings import Settings
from memorybot.health import Readiness, health_server
from memorybot.runner import serve_until_stopped
from tests.adapters.slack.conftest import slack_settings
from tests.fakes.slack_api import FakeSlack

if TYPE_CHECKING:
    from bot.service import ChatService


def _refused_url() -> str:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return f"postgresql://bot:s3cret@127.0.0.1:{sock.getsockname()[1]}/memorybot"


async def test_readiness_follows_the_adapters_and_the_database(database_url: str) -> None:
    for url, problem in ((database_url, None), (_refused_url(), "database does not answer")):
        readiness = Readiness(url)
        async with (
            health_server("127.0.0.1", 0, readiness) as port,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
        ):
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            starting = await client.get("/readyz")
            assert starting.status_code == 503
            assert starting.json() == {"status": "not ready", "reason": "the adapters are starting"}

            readiness.adapters_started()
            ready = await client.get("/readyz")
            if problem is None:
                assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
            else:
                assert ready.status_code == 503
                assert problem in ready.json()["reason"] and "s3cret" not in ready.text


async def test_an_adapter_that_failed_to_start_is_not_ready() -> None:
    readiness = Readiness()
    readiness.adapters_failed("SettingsError")
    async with (
        health_server("127.0.0.1", 0, readiness) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        answer = await client.get("/readyz")
        assert answer.status_code == 503 and "SettingsError" in answer.json()["reason"]
        assert (await client.get("/healthz")).status_code == 200


async def test_run_serves_the_probes_while_the_slack_worker_runs(
    settings: Settings, service: ChatService
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with FakeSlack() as fake:
        worker = slack_settings(settings, fake).model_copy(update={"health_port": port})
        running = asyncio.create_task(serve_until_stopped(worker, service))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5.0) as client:
            ready = await _until_ready(client, running)
            assert ready.json() == {"status": "ready"}
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            assert fake.calls, "the adapter checked its token with Slack before it was ready"

            running.cancel()  # as SIGTERM or Ctrl-C ends `memorybot run`
            with contextlib.suppress(asyncio.CancelledError):
                await running
            with pytest.raises(httpx.ConnectError):
                await client.get("/healthz")


async def _until_ready(client: httpx.AsyncClient, running: asyncio.Task[None]) -> httpx.Response:
    """/readyz until it says 200, as a Kubernetes probe asks (bounded; the runner failing ends it)."""
    async with asyncio.timeout(20):
        while True:
            assert not running.done(), running.exception() if not running.cancelled() else "cancelled"
            with contextlib.suppress(httpx.ConnectError):
                answer = await client.get("/readyz")
                if answer.status_code == 200:
                    return answer
                assert answer.json()["reason"] == "the adapters are starting"
            await asyncio.sleep(0.02)

"""The health endpoints over real HTTP on loopback: readiness as the worker's state changes, and a Discord
shard worker's runner serving them (a Slack worker's, through the `run` command, is in
`test_worker_process.py`)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING

import httpx
import pytest

from bot.errors import SettingsError
from bot.settings import Settings
from memorybot.health import Readiness, health_server
from memorybot.runner import serve_until_stopped
from tests.adapters.discord.conftest import discord_settings
from tests.fakes.discord_server import FakeDiscord

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
                readiness.stopping()  # SIGTERM: out of rotation while the adapters finish
                stopping = await client.get("/readyz")
                assert (stopping.status_code, stopping.json()["reason"]) == (503, "the worker is stopping")
                assert (await client.get("/healthz")).status_code == 200
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


async def test_a_port_in_use_is_a_settings_error_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SettingsError, match=f"HEALTH_PORT: cannot listen on 127.0.0.1:{port}"):
            async with health_server("127.0.0.1", port, Readiness()):
                pass


async def test_a_discord_shard_worker_is_ready_once_its_shard_connected(
    settings: Settings, service: ChatService
) -> None:
    """A Discord shard has no HTTP server of its own: the probes are its only one (run in process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with FakeDiscord() as fake:
        fake.add_channel(fake.add_guild())
        worker = discord_settings(
            settings, fake, discord_shard_count=2, discord_shard_ids="1", health_port=port
        )
        running = asyncio.create_task(serve_until_stopped(worker, service))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10.0) as client:
                async with asyncio.timeout(30):
                    while True:  # as a readiness probe asks, until the shards have connected
                        assert not running.done(), running
                        with contextlib.suppress(httpx.ConnectError):
                            answer = await client.get("/readyz")
                            if answer.status_code == 200:
                                break
                            assert answer.json()["reason"] == "the adapters are starting", answer.text
                        await asyncio.sleep(0.02)
                assert [i["shard"] for i in fake.identifies] == [[1, 2]]  # this worker's one shard of two
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running

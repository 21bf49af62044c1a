"""The health endpoints over real HTTP on loopback: readiness as the worker's state changes (the real runner
serving them is in `test_worker_process.py`)."""

from __future__ import annotations

import socket

import httpx
import pytest

from bot.errors import SettingsError
from memorybot.health import Readiness, health_server


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

"""Liveness and readiness over HTTP for `memorybot run` (`HEALTH_PORT`): what Kubernetes or a load balancer
probes on the workers that have no HTTP server of their own (Discord shards, Slack in Socket Mode).

- `GET /healthz`: 200 while this process's event loop answers (a wedged loop answers nothing: restart it).
- `GET /readyz`: 200 once the adapters have started and, with `DATABASE_URL`, the database answers; otherwise
  503 with a JSON `reason` (take the worker out of rotation, do not restart it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from bot.errors import SettingsError

log = logging.getLogger(__name__)

DATABASE_TIMEOUT_S = 2.0
"""A readiness probe waits this long for the database; probes themselves time out after a few seconds."""


class Readiness:
    """Whether this worker should receive work: its adapters have started, and its database answers."""

    def __init__(self, database_url: str | None = None) -> None:
        self._database_url = database_url
        self._adapters_started = False
        self._adapters_failed: str | None = None
        self._stopping = False

    def adapters_started(self) -> None:
        self._adapters_started = True

    def adapters_failed(self, why: str) -> None:
        self._adapters_failed = why

    def stopping(self) -> None:
        """The worker is winding down (SIGTERM): no new work, while it finishes what it accepted."""
        self._stopping = True

    async def reason(self) -> str | None:
        """Why this worker is not ready, or None when it is."""
        if self._stopping:
            return "the worker is stopping"
        if self._adapters_failed is not None:
            return f"an adapter failed to start: {self._adapters_failed}"
        if not self._adapters_started:
            return "the adapters are starting"
        if self._database_url:
            return await database_problem(self._database_url)
        return None


async def database_problem(url: str) -> str | None:
    """None when the database answers a query within `DATABASE_TIMEOUT_S`; else what went wrong (no URL,
    which may hold a password)."""
    import psycopg

    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_S):
            conn = await psycopg.AsyncConnection.connect(
                url, autocommit=True, connect_timeout=max(1, round(DATABASE_TIMEOUT_S))
            )
            async with conn:
                await conn.execute("SELECT 1")
    except TimeoutError:
        return f"the database did not answer within {DATABASE_TIMEOUT_S:g} s"
    except psycopg.Error as exc:
        return f"the database does not answer ({type(exc).__name__})"
    return None


def health_app(readiness: Readiness) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        reason = await readiness.reason()
        if reason is None:
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "not ready", "reason": reason}, status=503)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


@asynccontextmanager
async def health_server(host: str, port: int, readiness: Readiness) -> AsyncIterator[int]:
    """Serve the probes on `host:port` while the block runs; yields the bound port (`port` 0 picks one)."""
    runner = web.AppRunner(health_app(readiness), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise SettingsError(
                f"HEALTH_PORT: cannot listen on {host}:{port} ({exc.strerror or exc}): choose another "
                "HEALTH_PORT (or HEALTH_HOST), or stop what uses it."
            ) from None
        bound = int(runner.addresses[0][1])
        log.info("health endpoints listening", extra={"host": host, "port": bound})
        yield bound
    finally:
        await runner.cleanup()

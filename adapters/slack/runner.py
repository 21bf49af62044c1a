"""How Slack reaches the app: an HTTP endpoint (Events API, slash commands, interactivity all POST to
`/slack/events`) or a Socket Mode websocket (no public URL needed)."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class Transport(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class HttpTransport:
    """Bolt's aiohttp app served on `host:port`; `port` 0 picks a free port, readable after `start()`."""

    def __init__(self, app: AsyncApp, *, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        web_app = self._app.web_app(path=EVENTS_PATH)
        web_app.router.add_get(HEALTH_PATH, _healthy)
        self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self.port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class SocketModeTransport:
    """A Socket Mode connection; `apps.connections.open` (with the app token) gives the websocket URL."""

    def __init__(self, app: AsyncApp, *, app_token: str) -> None:
        self._app = app
        self._app_token = app_token
        self._handler: AsyncSocketModeHandler | None = None

    async def start(self) -> None:
        # The handler opens an aiohttp session in its constructor, so it is built inside the running loop.
        self._handler = AsyncSocketModeHandler(self._app, app_token=self._app_token)
        await self._handler.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        if self._handler is not None:
            await self._handler.close_async()  # type: ignore[no-untyped-call]
            self._handler = None


async def _healthy(_: web.Request) -> web.Response:
    return web.Response(text="ok")

"""`SlackAdapter`: the lifecycle around the Bolt app (start, serve until stopped, shut down cleanly)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp
from slack_sdk.errors import SlackApiError

from adapters.slack.app import build_app
from adapters.slack.background import Background
from adapters.slack.config import build_web_client, validate_slack_settings
from adapters.slack.runner import HttpTransport, SocketModeTransport, Transport
from bot.errors import ServiceUnreachable, SettingsError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.service import ChatService

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 10.0
_BAD_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


class SlackAdapter:
    """Serves Slack over HTTP (`SLACK_HOST`/`SLACK_PORT`), or over Socket Mode when `SLACK_APP_TOKEN` is set.

    ```python
    adapter = SlackAdapter(settings, service)
    task = asyncio.create_task(adapter.start())
    await adapter.started()      # adapter.port is the bound port in HTTP mode (useful with SLACK_PORT=0)
    ...
    await adapter.stop()
    ```
    """

    def __init__(self, settings: Settings, service: ChatService) -> None:
        validate_slack_settings(settings)
        self._settings = settings
        self._client = build_web_client(settings)
        self._background = Background()
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        signing_secret = None if app_token else secret
        self._app = build_app(service, self._client, self._background, signing_secret=signing_secret)
        self._transport: Transport
        if app_token:
            self._transport = SocketModeTransport(self._app, app_token=app_token)
        else:
            self._http = HttpTransport(self._app, host=settings.slack_host, port=settings.slack_port)
            self._transport = self._http
        self._ready = asyncio.Event()
        self._failure: BaseException | None = None
        self._stop_requested = asyncio.Event()
        self._stopped = asyncio.Event()
        self._running = False

    @property
    def socket_mode(self) -> bool:
        return isinstance(self._transport, SocketModeTransport)

    @property
    def port(self) -> int | None:
        """The bound HTTP port once started (None in Socket Mode)."""
        return None if self.socket_mode else self._http.port

    async def start(self) -> None:
        """Check the token with Slack, start serving, and return only after `stop()` (or cancellation)."""
        if self._running:
            raise RuntimeError("this SlackAdapter is already running")
        self._running = True
        self._stopped.clear()
        try:
            try:
                await self._check_token()
                await self._transport.start()
            except BaseException as exc:
                self._failure = exc
                raise
            finally:
                self._ready.set()
            log.info(
                "Slack adapter started",
                extra={"mode": "socket" if self.socket_mode else "http", "port": self.port},
            )
            await self._stop_requested.wait()
        finally:
            await self._shutdown()

    async def started(self) -> None:
        """Wait until the adapter serves; re-raises whatever made `start()` fail."""
        await self._ready.wait()
        if self._failure is not None:
            raise self._failure

    async def stop(self) -> None:
        """Stop serving, let accepted work finish (bounded), and return once `start()` has wound down."""
        if not self._running:
            return
        self._stop_requested.set()
        await self._stopped.wait()

    async def idle(self) -> None:
        """Wait until every accepted event and command has been answered (tests; graceful shutdown)."""
        await self._background.idle()

    async def _check_token(self) -> None:
        try:
            identity = await self._client.auth_test()
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in _BAD_TOKEN_ERRORS:
                raise SettingsError(
                    f"Slack rejected SLACK_BOT_TOKEN ({error}): copy the current Bot User OAuth Token from "
                    "your app's 'OAuth & Permissions' page, and reinstall the app if it was revoked."
                ) from None
            raise
        except (aiohttp.ClientConnectionError, OSError, TimeoutError) as exc:
            raise ServiceUnreachable(
                f"Cannot reach Slack at SLACK_API_URL={self._client.base_url} ({type(exc).__name__}): "
                "check the network connection and SLACK_API_URL, then start again."
            ) from None
        team, bot_user = identity.get("team_id"), identity.get("user_id")
        log.info("connected to Slack", extra={"team": team, "bot_user": bot_user})

    async def _shutdown(self) -> None:
        try:
            await self._transport.stop()
            await self._background.close(SHUTDOWN_GRACE_S)
        finally:
            self._running = False
            self._stop_requested.clear()
            self._stopped.set()

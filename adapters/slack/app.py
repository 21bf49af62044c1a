"""The Bolt app: Slack's request handling (signatures, url_verification, ssl_check, self-event filtering)
plus our listeners."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.background import Background
from adapters.slack.commands import MemoryCommands
from adapters.slack.events import MessageEvents

if TYPE_CHECKING:
    from bot.service import ChatService


def build_app(
    service: ChatService,
    client: AsyncWebClient,
    background: Background,
    *,
    signing_secret: str | None,
) -> AsyncApp:
    """A Bolt `AsyncApp` with every memorybot listener registered.

    Args:
        service: the core every message and command is handed to.
        client: the bot's Web API client (token, base URL and retry handlers already set).
        background: where listeners put the work that runs after the ack.
        signing_secret: verifies HTTP requests; None in Socket Mode, whose socket is authenticated instead.
    """
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,
        # Run listeners before answering: they only filter and spawn, so the ack still leaves in milliseconds,
        # and the work is registered before Slack hears back (no window in which a redelivery slips through).
        process_before_response=True,
        logger=logging.getLogger("adapters.slack.bolt"),
    )
    MessageEvents(service, client, background, recent_keys=service.recent_keys).register(app)
    MemoryCommands(service, client, background).register(app)
    return app

"""Which adapters `memorybot run` starts: every platform whose settings are present, else the console."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.service import ChatService
from bot.settings import Settings

log = logging.getLogger(__name__)


def build_adapters(settings: Settings, service: ChatService) -> list[Any]:
    """Validate each configured platform's settings (SettingsError says what to fix) and build its adapter."""
    adapters: list[Any] = []
    if settings.slack_enabled:
        from adapters.slack import SlackAdapter, validate_slack_settings

        validate_slack_settings(settings)
        adapters.append(SlackAdapter(settings, service))
    if settings.discord_enabled:
        from adapters.discord import DiscordAdapter, validate_discord_settings

        validate_discord_settings(settings)
        adapters.append(DiscordAdapter(settings, service))
    return adapters


async def run_adapters(settings: Settings, service: ChatService) -> None:
    adapters = build_adapters(settings, service)
    if not adapters:
        from adapters.console import ConsoleAdapter

        await ConsoleAdapter(service, user="you").start()
        return
    log.info("starting adapters", extra={"adapters": [type(a).__name__ for a in adapters]})
    try:
        await asyncio.gather(*(adapter.start() for adapter in adapters))
    finally:
        for adapter in adapters:
            await adapter.stop()

"""Which adapters `memorybot run` starts: every platform whose settings are present, else the console."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING, Any

from bot.service import ChatService
from bot.settings import Settings

if TYPE_CHECKING:
    from memorybot.health import Readiness

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


async def run_adapters(settings: Settings, service: ChatService, readiness: Readiness | None = None) -> None:
    adapters = build_adapters(settings, service)
    if not adapters:
        from adapters.console import ConsoleAdapter

        if readiness is not None:
            readiness.adapters_started()
        await ConsoleAdapter(service, user="you").start()
        return
    log.info("starting adapters", extra={"adapters": [type(a).__name__ for a in adapters]})
    watching = asyncio.create_task(_report_started(adapters, readiness)) if readiness is not None else None
    try:
        await asyncio.gather(*(adapter.start() for adapter in adapters))
    finally:
        if watching is not None:
            watching.cancel()
        if readiness is not None:
            readiness.stopping()  # out of the load balancer's rotation while the adapters finish
        for adapter in adapters:
            await adapter.stop()


async def _report_started(adapters: list[Any], readiness: Readiness) -> None:
    """Tell `readiness` once every adapter serves (Slack's `started`, Discord's `wait_ready`), or why not."""
    try:
        for adapter in adapters:
            await (adapter.started() if hasattr(adapter, "started") else adapter.wait_ready())
    except Exception as exc:
        readiness.adapters_failed(type(exc).__name__)
        return
    readiness.adapters_started()


async def serve_until_stopped(settings: Settings, service: ChatService) -> None:
    """`run_adapters` until the process is asked to stop, with the health endpoints (`HEALTH_PORT`) beside
    them while they run."""
    if settings.health_port is None:
        await _serve_until_stopped(settings, service, None)
        return
    from memorybot.health import Readiness, health_server

    readiness = Readiness(settings.database)
    async with health_server(settings.health_host, settings.health_port, readiness):
        await _serve_until_stopped(settings, service, readiness)


async def _serve_until_stopped(settings: Settings, service: ChatService, readiness: Readiness | None) -> None:
    """`run_adapters` until it ends or the process is asked to stop (SIGTERM: systemd, Kubernetes, Docker).

    Without this, SIGTERM would end the process on the spot: no adapter would say goodbye to its platform, and
    the update worker's claimed job would wait for PostgreSQL to notice the dead connection. Stopping here
    leaves `build_service` to close everything as after Ctrl-C; queued updates stay queued for the next start
    (or for another worker).
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    try:
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, RuntimeError):  # not the main thread, or a loop without signal support
        await run_adapters(settings, service, readiness)
        return
    serving = asyncio.create_task(run_adapters(settings, service, readiness))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        stopping.cancel()
        if not serving.done():
            log.info("stopping: SIGTERM received")
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
    if not serving.cancelled():
        serving.result()  # the adapters' own failure, for the command's error boundary

"""Point discord.py at another REST base and gateway (a local fake in tests, a proxy in odd deployments).

discord.py reads both from class attributes (`Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`) and its
interaction webhooks build URLs from `Route.BASE` too, so there is no per-client knob: we set them for the
life of one adapter run and put the previous values back afterwards. Unset settings leave them untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


@contextmanager
def discord_endpoints(api_url: str | None, gateway_url: str | None) -> Iterator[None]:
    """Override discord.py's REST base and gateway URL inside the block, restoring them on exit."""
    saved_base, saved_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    if api_url:
        Route.BASE = api_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved_base, saved_gateway

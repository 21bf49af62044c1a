"""Fixtures for link tests: the loopback web server and readers that are always closed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.links import LinkReader
from bot.settings import Settings
from tests.fakes.web import FakeWeb

TLS_DIR = Path(__file__).parent / "tls"

MakeReader = Callable[..., LinkReader]


@pytest.fixture
async def web() -> AsyncIterator[FakeWeb]:
    server = FakeWeb()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def private_settings(settings: Settings) -> Settings:
    """Private addresses allowed (the server is on loopback), a short deadline so failures are quick."""
    return settings.model_copy(update={"fetch_allow_private": True, "fetch_timeout_s": 2.0})


@pytest.fixture
async def make_reader(private_settings: Settings) -> AsyncIterator[MakeReader]:
    """Build readers (private addresses allowed unless `settings=` says otherwise); all closed at the end."""
    readers: list[LinkReader] = []

    def make(settings: Settings | None = None, **options: Any) -> LinkReader:
        reader = LinkReader(settings or private_settings, **options)
        readers.append(reader)
        return reader

    yield make
    for reader in readers:
        await reader.aclose()

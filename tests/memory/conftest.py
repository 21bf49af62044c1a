from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from memory.mem0_store import Mem0Store
from tests.conftest import STORES, make_settings


@pytest.fixture(params=[*STORES, "pgvector"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Mem0Store]:
    """The real Mem0 on each embedded store, in a fresh directory, and on pgvector in a fresh database."""
    from memory.client import build_mem0

    extra: dict[str, object] = {}
    if request.param == "pgvector":
        extra["database_url"] = request.getfixturevalue("pgvector_url")
    settings = make_settings(tmp_path / "data", memory_store=request.param, **extra)
    mem = Mem0Store(build_mem0(settings.store_config()))
    yield mem
    await mem.close()

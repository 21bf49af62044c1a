"""Shared fixtures: every test gets its own data directory; the expensive parts (the embedding model) load
once per process and are shared."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pydantic_ai.models
import pytest

# Before anything imports mem0: it reads these at import time.
os.environ["MEM0_TELEMETRY"] = "False"
if "MEM0_DIR" not in os.environ:
    os.environ["MEM0_DIR"] = tempfile.mkdtemp(prefix="memorybot-tests-mem0-")
    atexit.register(shutil.rmtree, os.environ["MEM0_DIR"], ignore_errors=True)

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False

from bot.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from bot.service import ChatService
    from tests.fakes.postgres_server import PostgresServer

STORES = ["edge", "qdrant-local"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No setting leaks in from the developer's shell or .env."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("MEMORYBOT_DATA_DIR", raising=False)
    yield


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "rate_limit_per_minute": 10_000,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir)


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[ChatService]:
    from memorybot.app import build_service

    async with build_service(settings) as svc:
        yield svc


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole session (started only if a test asks for it)."""
    from tests.fakes.postgres_server import postgres_server

    with postgres_server() as server:
        yield server


@pytest.fixture
def database_url(postgres: PostgresServer) -> str:
    """A fresh, empty database on the session's server: what `DATABASE_URL` would be."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres.url(name)


@pytest.fixture
def pgvector_url(postgres: PostgresServer, database_url: str) -> str:
    """`database_url`, for tests of `MEMORY_STORE=pgvector` (skipped where the binaries lack pgvector)."""
    if not postgres.has_pgvector:
        pytest.skip("this PostgreSQL has no pgvector extension (install the dev extras: pgserver)")
    return database_url

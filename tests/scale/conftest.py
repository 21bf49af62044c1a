"""One fleet of `memorybot run` workers for every scale test (see fleet.py for why it is shared)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import psycopg
import pytest
import pytest_asyncio

from tests.scale.fleet import Fleet, running_fleet

if TYPE_CHECKING:
    from tests.fakes.postgres_server import PostgresServer


@pytest.fixture(scope="package")
def fleet_database(postgres: PostgresServer) -> str:
    """A fresh database on the session's server, for the fleet's whole life (pgvector needed)."""
    if not postgres.has_pgvector:
        pytest.skip("this PostgreSQL has no pgvector extension (install the dev extras: pgserver)")
    name = f"fleet_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres.url(name)


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def fleet(tmp_path_factory: pytest.TempPathFactory, fleet_database: str) -> AsyncIterator[Fleet]:
    async with running_fleet(tmp_path_factory.mktemp("fleet"), fleet_database) as running:
        yield running

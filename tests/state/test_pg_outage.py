"""PostgreSQL goes away mid-run: the reply still goes out, and the update it queued is held and written once
the database is back — nothing lost, nothing written twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from bot import messages
from bot.controls import messages as say
from bot.types import IncomingMessage
from memorybot.app import build_service
from state.pg_queue import PostgresUpdateQueue
from state.postgres import migrate
from tests.conftest import make_settings
from tests.controls.helpers import discord, talk, texts
from tests.fakes.postgres_server import PostgresServer

ANN = discord("111")


@contextmanager
def database_away(postgres: PostgresServer, database_url: str) -> Iterator[None]:
    """No connection to the deployment's database is accepted, and every open one is cut (as when the
    server restarts or fails over); the rest of the test server is untouched."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            yield
        finally:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")


async def test_an_update_the_database_refuses_is_held_and_lands_once_it_is_back(
    tmp_path: Path, postgres: PostgresServer, database_url: str
) -> None:
    settings = make_settings(tmp_path / "data", database_url=database_url)
    async with build_service(settings) as service:
        await talk(service, ANN, "I prefer lowercase tags")  # this worker has seen Ann's controls
        with database_away(postgres, database_url):
            reply = await service.handle(IncomingMessage(ANN, "I like numbat content"))
            assert reply.text and messages.MEMORY_WAITING in reply.notices
            assert service.queue.holding == 1
            # Someone this worker never saw: it cannot know whether they paused, so no memory at all.
            stranger = await service.handle(IncomingMessage(discord("222"), "I like quokka content"))
            assert stranger.text and say.CONTROLS_UNAVAILABLE in stranger.notices
            assert service.queue.holding == 1
        await service.drain()
        assert service.queue.holding == 0
        assert [t for t in await texts(service, ANN) if "numbat" in t]
        with psycopg.connect(database_url) as conn:
            statuses = conn.execute("SELECT status FROM mb_update_jobs ORDER BY seq").fetchall()
        assert statuses == [("done",), ("done",)]


def test_a_held_update_meets_an_erasure_made_meanwhile_on_another_worker(
    postgres: PostgresServer, database_url: str
) -> None:
    migrate(database_url)
    holder, eraser = PostgresUpdateQueue(database_url), PostgresUpdateQueue(database_url)
    try:
        with database_away(postgres, database_url):
            arrived = time.time()
            assert holder.enqueue("k1", "alice", {"text": "my secret", "received_at": arrived}) is True
            assert holder.enqueue("k1", "alice", {"text": "redelivered"}) is False  # still once
            assert holder.holding == 1
        eraser.purge_user("alice")  # alice forgets everything on another worker while k1 is held
        assert holder.due() == [] and holder.holding == 0  # written with the erasure check: dropped
        holder.enqueue("k2", "bob", {"text": "hello"})
        assert [job.key for job in eraser.due()] == ["k2"]
    finally:
        holder.close()
        eraser.close()


def test_an_update_still_held_when_the_worker_stops_is_reported_lost(
    postgres: PostgresServer, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Held updates live in the worker's memory: stopping while the database is still away loses them. The
    reply went out long ago, so the operator's log is the only place that can say so; it must."""
    migrate(database_url)
    holder = PostgresUpdateQueue(database_url)
    with database_away(postgres, database_url), caplog.at_level("ERROR", logger="state.pg_queue"):
        assert holder.enqueue("k1", "alice", {"text": "my numbat", "received_at": time.time()}) is True
        holder.close()
    assert any("1 memory update(s) held" in r.getMessage() for r in caplog.records)

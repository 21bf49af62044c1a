"""What people and operators change, shared by every worker of a deployment on PostgreSQL: two services on
two data directories and one `DATABASE_URL` stand for two machines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.controls import messages as say
from bot.controls.audit import AuditLog
from bot.service import ChatService
from bot.understanding.preferences import Preference
from memorybot.app import build_service
from state import open_audit_trail
from state.postgres import SWEEP_LOCK_SPACE
from tests.conftest import make_settings
from tests.controls.helpers import discord, slack, talk, texts

ANN, ANN_SLACK, BEN, CAT = discord("111"), slack("U1"), discord("222"), discord("333")
ADMIN = discord("1", channel="700")
POINTS = Preference.from_key("tag.instead:points", "basketball")


@pytest.fixture
async def workers(tmp_path: Path, pgvector_url: str) -> AsyncIterator[tuple[ChatService, ChatService]]:
    """Two workers whose memories, too, are shared (pgvector), so a retention sweep has one store to sweep."""
    one = make_settings(tmp_path / "one", memory_store="pgvector", database_url=pgvector_url)
    two = make_settings(tmp_path / "two", memory_store="pgvector", database_url=pgvector_url)
    async with build_service(one) as first, build_service(two) as second:
        yield first, second


def _rows(url: str, query: str, *args: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        cur = conn.execute(query, args or None)  # type: ignore[arg-type]
        return cur.fetchall() if cur.description else []


async def _until(check: Callable[[], bool] | Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait (bounded) for something another connection delivers asynchronously (a NOTIFY)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while True:
        result = check()
        if await result if isinstance(result, Awaitable) else result:
            return
        assert loop.time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_every_control_set_on_one_worker_holds_on_the_other(
    workers: tuple[ChatService, ChatService], pgvector_url: str, tmp_path: Path
) -> None:
    one, two = workers
    # Pause on one; the next message lands on two and is neither read nor saved.
    assert await one.pause_memory(ANN) == say.PAUSED
    reply = await talk(two, ANN, "I like numbat content")
    assert say.PAUSED_NOTICE in reply.notices
    assert await texts(one, ANN) == []
    assert await two.resume_memory(ANN) == say.RESUMED
    assert not await one.controls.is_paused(ANN)

    # A link code issued on one is redeemed on two.
    answer = await one.link(ANN_SLACK)
    code = next(word for word in answer.replace("`", " ").split() if len(word) == 9 and word[4] == "-")
    assert (await two.link(ANN, code)).startswith("Linked")
    assert await one.linked_identities(ANN_SLACK) == ["Discord 111"]

    # Retention set on one is what two reports; an admin's switch on two covers one.
    await one.set_retention(ANN, "30d")
    assert "30 days" in " ".join(await two.memory_settings(ANN))
    await two.switch_memory(ADMIN, is_admin=True, off=True, channel="701", whole_server=False)
    assert "<#701>" in await one.memory_switch_status(ADMIN)
    reply = await talk(one, discord("111", channel="701"), "I like quokka content")
    assert say.admin_off_notice("in this channel") in reply.notices

    # Corrections are counted across the fleet: two people on one and a third on two make a suggestion.
    assert one.ledger.record("discord:a", POINTS) is None
    assert two.ledger.record("discord:a", POINTS) is None  # the same person on another worker: once
    assert one.ledger.record("discord:b", POINTS) is None
    suggestion = two.ledger.record("discord:c", POINTS)
    assert suggestion is not None and suggestion.people == 3
    assert [s.id for s in one.guidance_suggestions()] == [suggestion.id]
    assert await one.decide_suggestion(suggestion.id, accept=False) is not None
    assert two.guidance_suggestions() == []
    assert await two.decide_suggestion(suggestion.id, accept=True) is None

    # The audit trail is one: what either worker did, read from any machine (a third data directory).
    await one.operator_export("discord:111", actor="operator:test")
    trail = AuditLog(open_audit_trail(tmp_path / "elsewhere", pgvector_url))
    assert [(line["action"], line["target"]) for line in trail.read()] == [
        ("memory-off", "discord:900:701"),
        ("read-memories", "discord:111"),
    ]
    trail.close()
    files = await asyncio.to_thread(lambda: {p.name for p in tmp_path.rglob("*") if p.is_file()})
    assert not files & {"audit.log", "controls.db", "corrections.db"}, files


async def test_forget_all_keeps_a_pause_and_an_operator_erasure_leaves_nothing(
    workers: tuple[ChatService, ChatService], pgvector_url: str
) -> None:
    one, two = workers
    for person in (BEN, CAT):
        await one.pause_memory(person)
        await one.link(person)  # a code waiting to be redeemed: personal, and gone with them
        one.ledger.record(f"discord:{person.user}", POINTS)
    # BEN forgets everything (on two): his code and his share of the counts go, his pause stays.
    await two.forget_everything("discord:222")
    assert await one.controls.is_paused(BEN)
    # The operator erases CAT (on two): nothing of hers is left in any control table.
    await two.operator_forget("discord:333", actor="operator:test")
    assert not await one.controls.is_paused(CAT)
    for table in ("mb_paused", "mb_link_codes", "mb_link_failures", "mb_retention", "mb_links"):
        users = {r[0] for r in _rows(pgvector_url, f"SELECT user_id FROM {table}")}
        assert users <= {"discord:222"} and (table != "mb_link_codes" or not users), (table, users)
    assert _rows(pgvector_url, "SELECT COUNT(*) FROM mb_corrections") == [(0,)]


async def test_the_retention_sweep_runs_once_for_the_fleet_and_leaves_no_trace(
    workers: tuple[ChatService, ChatService], pgvector_url: str
) -> None:
    one, two = workers
    await talk(one, ANN, "Tag this: the wombat burrow survey")
    await talk(two, BEN, "Tag this: the wombat burrow survey")
    for person in ("discord:111", "discord:222"):  # an update that kept failing, parked since then
        _rows(
            pgvector_url,
            "INSERT INTO mb_update_jobs (key, user_id, payload, status) "
            "VALUES (%s, %s, '{\"text\": \"wombat notes\"}', 'parked')",
            f"parked:{person}",
            person,
        )
    assert {k.split("\x00")[0] for k in one._threads} == {"discord:111"}  # what one holds in memory
    await two.set_retention(ANN, "30d")

    later = datetime.now(UTC) + timedelta(days=31)
    # While a worker sweeps (the lock is held, here by the test for a third worker), no other sweeps.
    with psycopg.connect(pgvector_url, autocommit=True) as sweeping:
        sweeping.execute("SELECT pg_advisory_lock(%s, hashtext('retention'))", (SWEEP_LOCK_SPACE,))
        assert [await one.expire_memories(now=later), await two.expire_memories(now=later)] == [0, 0]
    assert [r for r in await one.store.all("discord:111") if r.category == "interaction"]
    # Both workers swept at start (nothing was due); an hour later both timers fire together.
    assert _rows(pgvector_url, "DELETE FROM mb_sweeps RETURNING name") == [("retention",)]
    swept = await asyncio.gather(
        one.expire_memories(now=later, every_s=3600), two.expire_memories(now=later, every_s=3600)
    )
    assert sorted(swept) == [0, 2]  # one worker swept (a memory, a parked update), the other did not
    assert await two.expire_memories(now=later, every_s=3600) == 0  # and not again within the hour
    lines = AuditLog(open_audit_trail(Path("/nonexistent"), pgvector_url)).read()
    assert [(line["action"], line["count"]) for line in lines] == [("retention-expiry", 2)]

    rows = _rows(
        pgvector_url, "SELECT payload->>'user_id' FROM memorybot WHERE payload->>'data' ILIKE '%wombat%'"
    )
    assert rows == [("discord:222",)]  # only Ben's, who set no limit
    jobs = _rows(pgvector_url, "SELECT key FROM mb_update_jobs WHERE payload::text ILIKE '%wombat%'")
    assert jobs == [("parked:discord:222",)]  # Ann's waiting text went with her expired memories
    # Every worker drops what it holds in memory of the person, as after a forget-all.
    await _until(lambda: not one._threads, "the sweep's word to reach worker one")

"""Retention expiry, admin switches and the operator's audit trail, through `ChatService`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.controls import messages as say
from bot.controls import read_audit
from bot.service import ChatService
from tests.controls.helpers import discord, files_containing, fingerprint, slack, talk, texts

ANN, BEN = discord("111"), discord("222")


async def test_expired_interactions_are_erased_from_the_files(service: ChatService, data_dir: Path) -> None:
    await talk(service, ANN, "I prefer lowercase tags")
    await talk(service, ANN, "Tag this: the wombat burrow survey")
    await talk(service, BEN, "Tag this: the wombat burrow survey")
    assert files_containing(data_dir, b"wombat")
    assert (await service.set_retention(ANN, "30d")).startswith("Done")
    assert await service.set_retention(ANN, "soon") == say.RETENTION_USAGE

    now = datetime.now(UTC)
    assert await service.expire_memories(now=now + timedelta(days=29)) == 0
    assert await service.expire_memories(now=now + timedelta(days=31)) == 1
    ann = await service.list_memories(ANN, limit=100)
    assert [m.category for m in ann.items] == ["preference"]  # only interactions expire
    assert [t for t in await texts(service, BEN) if "wombat" in t]  # Ben set no limit
    assert [line["action"] for line in read_audit(data_dir)] == ["retention-expiry"]
    assert "30 days" in " ".join(await service.memory_settings(ANN))


async def test_the_bot_wide_retention_applies_to_everyone(service: ChatService, data_dir: Path) -> None:
    await talk(service, ANN, "Tag this: the numbat feeding log")
    await talk(service, BEN, "Tag this: the numbat feeding log")
    service.controls.default_retention_days = 7
    assert await service.expire_memories(now=datetime.now(UTC) + timedelta(days=8)) == 2
    assert files_containing(data_dir, b"numbat") == []
    assert [line["action"] for line in read_audit(data_dir)] == ["retention-expiry"]


async def test_a_non_admin_cannot_switch_memory_off(service: ChatService, data_dir: Path) -> None:
    answer = await service.switch_memory(ANN, is_admin=False, off=True, channel=None, whole_server=True)
    assert answer == say.SWITCH_NOT_ADMIN
    reply = await talk(service, ANN, "I like numbat content")
    assert not reply.notices
    assert [t for t in await texts(service, ANN) if "numbat" in t]
    assert read_audit(data_dir) == []


async def test_memory_switched_off_in_a_channel_is_neither_read_nor_written_there(
    service: ChatService, data_dir: Path
) -> None:
    await talk(service, ANN, "I prefer lowercase tags")
    admin = discord("1", channel="700")
    assert await service.switch_memory(admin, is_admin=True, off=True, channel="701", whole_server=False) == (
        say.switched(True, "in <#701>")
    )
    before = fingerprint(data_dir)
    in_701 = discord("111", channel="701", thread="t1")
    first = await talk(service, in_701, "Tag this: the numbat and wombat field guide")
    second = await talk(service, in_701, "I prefer uppercase tags")
    assert first.tags, "it still tags"
    assert first.memories_used == []
    assert [n for n in first.notices if "switched memory off" in n]
    assert not [n for n in second.notices if "switched memory off" in n], "said once per thread"
    assert fingerprint(data_dir) == before
    other_thread = await talk(service, discord("111", channel="701", thread="t2"), "hello")
    assert [n for n in other_thread.notices if "switched memory off" in n]

    elsewhere = await talk(service, discord("111", channel="700"), "I like quokka content")
    assert not elsewhere.notices
    assert [t for t in await texts(service, ANN) if "quokka" in t]
    assert "<#701>" in await service.memory_switch_status(admin)

    assert await service.switch_memory(admin, is_admin=True, off=False, channel="701", whole_server=False)
    assert not (await talk(service, discord("111", channel="701", thread="t3"), "hi")).notices


async def test_a_server_wide_switch_and_the_audit_lines_it_leaves(
    service: ChatService, data_dir: Path
) -> None:
    admin = slack("UADMIN")
    await service.switch_memory(admin, is_admin=True, off=True, channel=None, whole_server=True)
    reply = await talk(service, slack("U2", channel="C9"), "I like numbat content")
    assert [n for n in reply.notices if "in this server" in n]
    assert await texts(service, slack("U2")) == []
    assert not (await talk(service, slack("U2", team="T2"), "I like numbat content")).notices
    assert await service.switch_memory(
        discord("5", guild=None), is_admin=True, off=True, channel=None, whole_server=True
    ) == (say.SWITCH_NO_SERVER)

    lines = read_audit(data_dir)
    assert [(line["actor"], line["action"], line["target"]) for line in lines] == [
        ("slack:T1:UADMIN", "memory-off", "slack:T1")
    ]
    assert lines[0]["at"]


async def test_operator_reads_and_erasures_are_audited_without_memory_text(
    service: ChatService, data_dir: Path
) -> None:
    await service.remember(ANN, "My cat is called Miso")
    await service.remember(ANN, "My dog is called Rex")
    await service.pause_memory(ANN)
    document = await service.operator_export("discord:111", actor="operator:root")
    assert document["count"] == 2
    assert await service.operator_forget("discord:111", actor="operator:root") == 2
    assert not await service.controls.is_paused(ANN), "an operator's erasure drops the control state too"

    lines = read_audit(data_dir)
    assert [(line["action"], line["target"], line["count"]) for line in lines] == [
        ("read-memories", "discord:111", 2),
        ("forget-all", "discord:111", 2),
    ]
    raw = (data_dir / "audit.log").read_text()
    assert "Miso" not in raw and "Rex" not in raw

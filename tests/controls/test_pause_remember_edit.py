"""Pause, /remember and edit through `ChatService` on the real store."""

from __future__ import annotations

from pathlib import Path

from bot import messages as core_messages
from bot.controls import messages as say
from bot.identity import user_id_for
from bot.service import ChatService
from bot.settings import Settings
from memory.ids import short_id
from state.controls import SqliteControlStore
from tests.controls.helpers import console, fingerprint, talk, texts

ALICE, BOB = console("alice"), console("bob")


async def test_a_paused_conversation_leaves_the_store_byte_for_byte_unchanged(
    service: ChatService, data_dir: Path
) -> None:
    await talk(service, ALICE, "I prefer lowercase tags")
    assert await service.pause_memory(ALICE) == say.PAUSED
    before = fingerprint(data_dir)

    for text in ("I prefer uppercase tags", "I like numbat content", "Tag this: alpine skiing trip"):
        reply = await talk(service, ALICE, text)
        assert say.PAUSED_NOTICE in reply.notices
        assert reply.memories_used == []  # nothing read either
        assert "I'll remember" not in reply.text, "a paused person is never promised a memory"
    statement = await talk(service, ALICE, "I like numbat content")
    assert statement.text == core_messages.MEMORY_OFF_NOT_KEPT
    assert fingerprint(data_dir) == before
    assert not [t for t in await texts(service, ALICE) if "numbat" in t or "uppercase" in t.lower()]

    assert await service.resume_memory(ALICE) == say.RESUMED
    reply = await talk(service, ALICE, "I like numbat content")
    assert say.PAUSED_NOTICE not in reply.notices
    assert [t for t in await texts(service, ALICE) if "numbat" in t]


async def test_pause_is_per_person_and_survives_a_restart(service: ChatService, settings: Settings) -> None:
    await service.pause_memory(ALICE)
    assert await service.pause_memory(ALICE) == say.ALREADY_PAUSED
    assert say.PAUSED_NOTICE not in (await talk(service, BOB, "hello there")).notices
    reopened = SqliteControlStore(settings.data_dir / "controls.db")
    try:
        assert reopened.is_paused(user_id_for(ALICE))
        assert not reopened.is_paused(user_id_for(BOB))
    finally:
        reopened.close()
    assert "pause" in " ".join(await service.memory_settings(ALICE)).lower()


async def test_remember_follows_the_replace_by_key_rules_of_chat(service: ChatService) -> None:
    await talk(service, ALICE, "I prefer lowercase tags")
    answer = await service.remember(ALICE, "I prefer uppercase tags")
    assert "uppercase" in answer.lower()
    memories = await texts(service, ALICE)
    assert [t for t in memories if "uppercase" in t.lower()]
    assert not [t for t in memories if "lowercase" in t.lower()], memories
    assert "nothing new" in (await service.remember(ALICE, "I prefer uppercase tags")).lower()

    await service.remember(ALICE, "My cat is called Miso")
    page = await service.list_memories(ALICE, limit=100)
    assert [(m.text, m.category) for m in page.items if "Miso" in m.text] == [
        ("My cat is called Miso", "fact")
    ]
    assert not [t for t in await texts(service, BOB) if "Miso" in t]


async def test_remember_is_refused_while_paused(service: ChatService) -> None:
    await service.pause_memory(ALICE)
    assert await service.remember(ALICE, "My cat is called Miso") == say.REMEMBER_PAUSED
    assert await texts(service, ALICE) == []


async def test_edit_replaces_one_of_my_memories_and_the_history_keeps_the_change(
    service: ChatService,
) -> None:
    await service.remember(ALICE, "My cat is called Miso")
    await service.remember(BOB, "My dog is called Rex")
    mine = (await service.list_memories(ALICE, limit=10)).items[0]
    bobs = (await service.list_memories(BOB, limit=10)).items[0]

    assert await service.edit(ALICE, short_id(mine.id), "My cat is called Tofu") == say.edited(
        "My cat is called Tofu"
    )
    assert await texts(service, ALICE) == ["My cat is called Tofu"]
    history = service.store._mem0.history(mine.id)
    assert [(h["old_memory"], h["new_memory"]) for h in history if h["event"] == "UPDATE"] == [
        ("My cat is called Miso", "My cat is called Tofu")
    ]

    assert await service.edit(ALICE, bobs.id, "hijacked") == say.EDIT_MISSING
    assert await service.edit(ALICE, short_id(bobs.id), "hijacked") == say.EDIT_MISSING
    assert await texts(service, BOB) == ["My dog is called Rex"]


async def test_editing_a_preference_keeps_its_key_so_chat_can_replace_it_later(service: ChatService) -> None:
    await talk(service, ALICE, "I prefer lowercase tags")
    pref = next(m for m in (await service.list_memories(ALICE, limit=10)).items if m.category == "preference")
    await service.edit(ALICE, pref.id, "I prefer uppercase tags")
    edited = await service.store.get(user_id_for(ALICE), pref.id)
    assert edited is not None and edited.metadata.get("pref_value") != pref.metadata.get("pref_value")
    await talk(service, ALICE, "I prefer lowercase tags")
    assert not [t for t in await texts(service, ALICE) if "uppercase" in t.lower()]


async def test_a_damaged_controls_file_is_named_at_start_up_with_what_is_lost(settings: Settings) -> None:
    from bot.errors import DataDirError
    from memorybot.app import build_service

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "controls.db").write_bytes(b"this is not a database any more" * 200)
    try:
        async with build_service(settings):
            raise AssertionError("a damaged controls file must stop start-up")
    except DataDirError as exc:
        message = str(exc)
    assert f"{settings.data_dir / 'controls.db'} is damaged" in message and "pauses" in message
    assert "updates.db" not in message

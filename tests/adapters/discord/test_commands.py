"""Slash commands and their buttons, driven as Discord interactions through the fake gateway."""

from __future__ import annotations

import json

from adapters.discord import DiscordAdapter
from bot import messages
from bot.service import ChatService
from tests.adapters.discord.conftest import (
    ALICE_SAYS,
    BOB_SAYS,
    World,
    memories_of,
    seed,
    sent_message,
)
from tests.fakes.discord_server import EPHEMERAL

DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE = 6
CHANNEL_MESSAGE = 4
AUTOCOMPLETE_RESULT = 8


async def test_commands_are_synced_to_the_configured_guild(world: World, bot: DiscordAdapter) -> None:
    synced = world.fake.commands[world.guild["id"]]
    shapes = {c["name"]: sorted(o["name"] for o in c.get("options", [])) for c in synced}
    assert shapes == {
        "memories": ["edit", "export", "list", "pause", "resume", "retention"],
        "forget": ["all", "memory"],
        "help": [],
        "remember": ["text"],
        "link": ["code"],
        "unlink": [],
        "memorybot": ["memory"],
    }
    admin = next(c for c in synced if c["name"] == "memorybot")
    assert str(admin["default_member_permissions"]) == "32"  # Manage Server: hidden from everyone else
    assert [o["name"] for o in admin["options"][0]["options"]] == ["off", "on", "status"]
    assert "global" not in world.fake.commands


async def test_memories_list_is_ephemeral_and_shows_only_the_callers_memories(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS)
    bob = await seed(world, service, world.bob, *BOB_SAYS)

    interaction = await world.fake.slash(world.alice, world.channel, "memories", "list")
    callback = await world.fake.wait_callback(interaction)
    assert callback.payload()["type"] == DEFERRED_CHANNEL_MESSAGE
    assert callback.payload()["data"]["flags"] & EPHEMERAL
    followup = await world.fake.wait_followup(interaction)
    assert followup.payload()["flags"] & EPHEMERAL
    [embed] = followup.payload()["embeds"]
    shown = embed["description"]
    assert all(f"`{m.id}`" in shown for m in alice[:5])
    assert not any(m.id in shown for m in bob)
    assert not any(word in shown.lower() for word in ("garden", "tomato"))
    labels = [b["label"] for b in world.fake.buttons(await sent_message(world, interaction))]
    assert labels[: min(len(alice), 5)] == [f"Delete {n}" for n in range(1, min(len(alice), 5) + 1)]


async def test_memories_list_with_a_query_puts_the_matching_memory_first(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS)
    await seed(world, service, world.bob, "Tag this: piano tuning for jazz clubs")
    interaction = await world.fake.slash(world.alice, world.channel, "memories", "list", query="jazz piano")
    followup = await world.fake.wait_followup(interaction)
    [embed] = followup.payload()["embeds"]
    assert "jazz piano" in embed["title"]
    first = embed["description"].split("\n\n")[0]
    assert "jazz" in first.lower(), embed["description"]
    shown = {m.id for m in alice if m.id in embed["description"]}
    assert shown and shown <= {m.id for m in alice}
    assert "tuning" not in embed["description"], "bob's memory about the same topic stays his"


async def test_memories_list_with_nothing_remembered_says_so(world: World, bot: DiscordAdapter) -> None:
    interaction = await world.fake.slash(world.bob, world.channel, "memories", "list")
    followup = await world.fake.wait_followup(interaction)
    assert followup.payload()["content"] == messages.NO_MEMORIES
    assert followup.payload()["flags"] & EPHEMERAL


async def test_paging_walks_older_memories(world: World, bot: DiscordAdapter, service: ChatService) -> None:
    texts = [f"Tag this: hobby number {n} about {word}" for n, word in enumerate("abcdefgh", 1)]
    alice = await seed(world, service, world.alice, *texts)
    assert len(alice) > 5
    interaction = await world.fake.slash(world.alice, world.channel, "memories", "list")
    page_one = await sent_message(world, interaction)
    assert world.fake.button(page_one, "◀ Newer").get("disabled") is True
    click = await world.fake.click(world.alice, page_one, "Older ▶")
    await world.fake.wait_edit(click)
    page_two = world.fake.messages[int(page_one["id"])]
    description = page_two["embeds"][0]["description"]
    assert "**6.**" in description and "**1.**" not in description
    assert f"`{alice[5].id}`" in description
    assert world.fake.button(page_two, "Delete 6")
    assert not world.fake.button(page_two, "◀ Newer").get("disabled")


async def test_the_delete_button_removes_only_that_memory(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS)
    bob = await seed(world, service, world.bob, *BOB_SAYS)
    interaction = await world.fake.slash(world.alice, world.channel, "memories", "list")
    page = await sent_message(world, interaction)

    click = await world.fake.click(world.alice, page, "Delete 2")
    callback = await world.fake.wait_callback(click)
    assert callback.payload()["type"] == DEFERRED_UPDATE
    edit = await world.fake.wait_edit(click)
    assert edit.payload()["content"] == "Forgot memory 2."

    remaining = await memories_of(service, world.alice)
    assert [m.id for m in remaining] == [m.id for m in alice if m.id != alice[1].id]
    assert [m.id for m in await memories_of(service, world.bob)] == [m.id for m in bob]
    assert f"`{alice[1].id}`" not in edit.payload()["embeds"][0]["description"]


async def test_another_users_click_is_refused(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS)
    interaction = await world.fake.slash(world.alice, world.channel, "memories", "list")
    page = await sent_message(world, interaction)

    click = await world.fake.click(world.bob, page, "Delete 1")
    callback = await world.fake.wait_callback(click)
    assert callback.payload()["type"] == CHANNEL_MESSAGE
    assert callback.payload()["data"]["flags"] & EPHEMERAL
    assert "belong to someone else" in callback.payload()["data"]["content"]
    assert [m.id for m in await memories_of(service, world.alice)] == [m.id for m in alice]
    assert world.fake.edits(click) == []


async def test_forget_all_deletes_nothing_before_the_button_and_everything_after(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS)
    bob = await seed(world, service, world.bob, *BOB_SAYS)

    interaction = await world.fake.slash(world.alice, world.channel, "forget", "all")
    confirm = await sent_message(world, interaction)
    assert confirm["flags"] & EPHEMERAL
    assert confirm["content"] == messages.FORGET_ALL_CONFIRM
    assert world.fake.button(confirm, "Forget everything")["style"] == 4  # danger
    assert len(await memories_of(service, world.alice)) == len(alice), "nothing goes before the click"

    refused = await world.fake.click(world.bob, confirm, "Forget everything")
    answer = await world.fake.wait_callback(refused)
    assert "Only the person who ran /forget all" in answer.payload()["data"]["content"]
    assert len(await memories_of(service, world.alice)) == len(alice)
    assert len(await memories_of(service, world.bob)) == len(bob)

    click = await world.fake.click(world.alice, confirm, "Forget everything")
    edit = await world.fake.wait_edit(click)
    assert edit.payload()["content"] == messages.forget_all_done(len(alice))
    assert edit.payload()["components"] == []
    assert await memories_of(service, world.alice) == []
    assert [m.id for m in await memories_of(service, world.bob)] == [m.id for m in bob]


async def test_forget_all_cancel_keeps_everything(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS[:1])
    interaction = await world.fake.slash(world.alice, world.channel, "forget", "all")
    click = await world.fake.click(world.alice, await sent_message(world, interaction), "Cancel")
    callback = await world.fake.wait_callback(click)
    assert callback.payload()["type"] == 7  # update the message in place
    assert "nothing was forgotten" in callback.payload()["data"]["content"]
    assert len(await memories_of(service, world.alice)) == len(alice)


async def test_forget_one_by_id_only_reaches_the_callers_own(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS[:2])
    bob = await seed(world, service, world.bob, *BOB_SAYS)

    theft = await world.fake.slash(world.alice, world.channel, "forget", "memory", id=bob[0].id)
    assert (await world.fake.wait_followup(theft)).payload()["content"] == messages.FORGET_ONE_MISSING
    assert len(await memories_of(service, world.bob)) == len(bob)

    mine = await world.fake.slash(world.alice, world.channel, "forget", "memory", id=alice[0].id)
    done = await world.fake.wait_followup(mine)
    assert done.payload()["content"] == messages.FORGET_ONE_DONE
    assert done.payload()["flags"] & EPHEMERAL
    assert alice[0].id not in [m.id for m in await memories_of(service, world.alice)]


async def test_forget_autocomplete_offers_only_the_callers_memories(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS)
    bob = await seed(world, service, world.bob, *BOB_SAYS)
    interaction = await world.fake.autocomplete(world.alice, world.channel, "forget", "memory", "id", "")
    callback = await world.fake.wait_callback(interaction)
    assert callback.payload()["type"] == AUTOCOMPLETE_RESULT
    offered = {c["value"] for c in callback.payload()["data"]["choices"]}
    assert offered == {m.id for m in alice}
    assert not offered & {m.id for m in bob}


async def test_export_sends_the_callers_memories_as_an_ephemeral_json_file(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS)
    await seed(world, service, world.bob, *BOB_SAYS)
    interaction = await world.fake.slash(world.alice, world.channel, "memories", "export")
    followup = await world.fake.wait_followup(interaction)
    assert followup.payload()["flags"] & EPHEMERAL
    [(name, body)] = followup.files.items()
    assert name == "memorybot-memories.json"
    exported = json.dumps(json.loads(body))
    assert all(m.id in exported for m in alice)
    assert "tomato" not in exported and world.bob["id"] not in exported


async def test_help_is_ephemeral_and_spells_the_discord_commands(world: World, bot: DiscordAdapter) -> None:
    interaction = await world.fake.slash(world.alice, world.channel, "help")
    callback = await world.fake.wait_callback(interaction)
    assert callback.payload()["type"] == CHANNEL_MESSAGE
    assert callback.payload()["data"]["flags"] & EPHEMERAL
    assert "/memories list [query]" in callback.payload()["data"]["content"]

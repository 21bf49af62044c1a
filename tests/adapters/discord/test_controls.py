"""The memory controls on Discord, through discord.py against the fake Discord: pause, /remember, the Edit
modal, /link, forget-all across linked accounts, and the server admins' switch."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.discord import DiscordAdapter
from adapters.discord.render import discord_help
from bot.controls import messages as say
from bot.service import ChatService
from bot.types import ChatIdentity
from tests.adapters.discord.conftest import World, answers_to, memories_of, person, sent_message
from tests.controls.helpers import fingerprint
from tests.fakes.discord_server import EPHEMERAL, MODAL, Interaction

MANAGE_SERVER = str(1 << 5)


async def answer(world: World, interaction: Interaction) -> str:
    followup = (await world.fake.wait_followup(interaction)).payload()
    assert followup["flags"] & EPHEMERAL
    return str(followup["content"])


async def test_pause_keeps_the_store_unchanged_and_replies_say_so(
    world: World, bot: DiscordAdapter, service: ChatService, data_dir: Path
) -> None:
    paused = await world.fake.slash(world.alice, world.channel, "memories", "pause")
    assert await answer(world, paused) == say.PAUSED
    await service.drain()
    before = fingerprint(data_dir)
    message = await world.fake.send_message(world.alice, world.channel, f"{world.me} I like numbat content")
    (reply,) = await answers_to(world.fake, message)
    assert "Memory is paused" in reply.payload()["content"]
    await service.drain()
    assert fingerprint(data_dir) == before
    resumed = await world.fake.slash(world.alice, world.channel, "memories", "resume")
    assert await answer(world, resumed) == say.RESUMED
    shown = discord_help(service.help_text())  # what /help answers
    assert all(c in shown for c in ("`/memories pause`", "`/remember text:<text>`", "`/link [code]`"))
    assert "`/memorybot memory off|on|status`" in shown


async def test_remember_then_edit_it_through_the_modal(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    remembered = await world.fake.slash(world.alice, world.channel, "remember", text="My cat is called Miso")
    assert "Miso" in await answer(world, remembered)
    listing = await world.fake.slash(world.alice, world.channel, "memories", "list")
    page = await sent_message(world, listing)

    refused = await world.fake.click(world.bob, page, "Edit 1")
    assert (await world.fake.wait_callback(refused)).payload()["type"] == 4  # "belongs to someone else"
    click = await world.fake.click(world.alice, page, "Edit 1")
    modal = (await world.fake.wait_callback(click)).payload()
    assert modal["type"] == MODAL
    submitted = await world.fake.submit_modal(
        world.alice, click, {"What I should remember instead": "My cat is called Tofu"}
    )
    edit = await world.fake.wait_edit(submitted)
    assert edit.payload()["content"] == say.edited("My cat is called Tofu")
    assert "Tofu" in edit.payload()["embeds"][0]["description"]
    assert [m.text for m in await memories_of(service, world.alice)] == ["My cat is called Tofu"]
    assert await memories_of(service, world.bob) == []


async def test_link_shares_memories_and_forget_all_can_erase_every_linked_account(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    slack_ann = ChatIdentity(platform="slack", user="U1", workspace="T1")
    await service.remember(slack_ann, "My dog is called Rex")
    await service.remember(person(world.alice), "My cat is called Miso")
    code = re.search(
        r"[0-9A-Z]{4}-[0-9A-Z]{4}",
        await answer(world, await world.fake.slash(world.alice, world.channel, "link")),
    )
    assert code is not None
    assert (await service.link(slack_ann, code.group(0))).startswith("Linked")

    listing = await world.fake.slash(world.alice, world.channel, "memories", "list")
    followup = (await world.fake.wait_followup(listing)).payload()
    assert "Linked with: Slack U1 (T1)" in followup["content"]
    assert "Rex" in followup["embeds"][0]["description"]

    ask = await world.fake.slash(world.alice, world.channel, "forget", "all")
    question = await sent_message(world, ask)
    assert "linked" in question["content"]
    confirmed = await world.fake.click(world.alice, question, "Forget on every linked account")
    assert "2 memories" in (await world.fake.wait_edit(confirmed)).payload()["content"]
    assert await memories_of(service, world.alice) == []
    assert (await service.list_memories(slack_ann)).total == 0
    unlinked = await world.fake.slash(world.alice, world.channel, "unlink")
    assert (await answer(world, unlinked)).startswith("Unlinked")


async def test_only_a_server_admin_switches_memory_off_in_a_channel(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    quiet = world.fake.add_channel(world.guild, "quiet")
    refused = await world.fake.slash(
        world.bob, world.channel, "memorybot", "off", group="memory", channels={"channel": quiet}
    )
    assert await answer(world, refused) == say.SWITCH_NOT_ADMIN
    switched = await world.fake.slash(
        world.bob,
        world.channel,
        "memorybot",
        "off",
        group="memory",
        permissions=MANAGE_SERVER,
        channels={"channel": quiet},
    )
    assert await answer(world, switched) == say.switched(True, f"in <#{quiet['id']}>")
    status = await world.fake.slash(world.alice, world.channel, "memorybot", "status", group="memory")
    assert f"<#{quiet['id']}>" in await answer(world, status)

    message = await world.fake.send_message(world.alice, quiet, f"{world.me} I like numbat content")
    (reply,) = await answers_to(world.fake, message)
    assert "switched memory off" in reply.payload()["content"]
    assert not [m for m in await memories_of(service, world.alice) if "numbat" in m.text]

"""Buttons keep working after a restart: a fresh client answers clicks on messages an earlier one sent.

Each restart test sends the message from one adapter, stops it, and clicks with a second adapter (a new
discord.py client that never built those buttons) against the same fake Discord and the same memory store.
Forged clicks are made by rewriting a button's custom_id on the fake's copy of the message: that is all a
hand-made client can change, since Discord fills in everything else.
"""

from __future__ import annotations

import re
import time

import pytest

from adapters.discord import DiscordAdapter, custom_ids
from adapters.discord.views import (
    NOT_YOUR_FORGET_ALL,
    NOT_YOURS,
    OUTDATED,
    QUERY_NOT_KEPT,
    forget_all_view,
    memory_page_view,
)
from bot import messages
from bot.confirm import TOKEN_TTL_S, ConfirmTokens, load_or_create_secret
from bot.identity import user_id_for
from bot.service import ChatService
from bot.settings import Settings
from memory.types import MemoryPage, MemoryRecord
from tests.adapters.discord.conftest import (
    ALICE_SAYS,
    BOB_SAYS,
    World,
    discord_settings,
    memories_of,
    person,
    running,
    seed,
    sent_message,
)
from tests.fakes.discord_server import EPHEMERAL, JSON, Interaction, Recorded

CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 6, 7
HOBBIES = [f"Tag this: hobby number {n} about {word}" for n, word in enumerate("abcdefgh", 1)]


def adapter(world: World, settings: Settings, service: ChatService) -> running:
    """One run of the bot; each call is a new process as far as discord.py can tell."""
    return running(DiscordAdapter(discord_settings(settings, world.fake), service))


def forge(world: World, message: JSON, label: str, custom_id: str) -> None:
    """Make the next click on `label` send `custom_id`, as a hand-made client could."""
    world.fake.button(world.fake.messages[int(message["id"])], label)["custom_id"] = custom_id


def custom_id(world: World, message: JSON, label: str) -> str:
    return str(world.fake.button(world.fake.messages[int(message["id"])], label)["custom_id"])


async def refusal(world: World, click: Interaction) -> str:
    """The ephemeral answer to a refused click; refused clicks edit nothing."""
    callback = await world.fake.wait_callback(click)
    assert callback.payload()["type"] == CHANNEL_MESSAGE
    assert callback.payload()["data"]["flags"] & EPHEMERAL
    assert world.fake.edits(click) == []
    return str(callback.payload()["data"]["content"])


async def listing(world: World, user: JSON, query: str | None = None) -> JSON:
    options = {"query": query} if query is not None else {}
    interaction = await world.fake.slash(user, world.channel, "memories", "list", **options)
    return await sent_message(world, interaction)


async def forget_all_prompt(world: World, user: JSON) -> JSON:
    return await sent_message(world, await world.fake.slash(user, world.channel, "forget", "all"))


async def edited(world: World, click: Interaction) -> Recorded:
    callback = await world.fake.wait_callback(click)
    assert callback.payload()["type"] == DEFERRED_UPDATE
    return await world.fake.wait_edit(click)


# --- after a restart -----------------------------------------------------------------------------------


async def test_delete_after_a_restart_forgets_that_memory_and_shows_the_page_again(
    world: World, settings: Settings, service: ChatService
) -> None:
    async with adapter(world, settings, service) as first:
        alice = await seed(world, service, world.alice, *ALICE_SAYS)
        bob = await seed(world, service, world.bob, *BOB_SAYS)
        page = await listing(world, world.alice)
    async with adapter(world, settings, service) as second:
        assert second.client is not first.client
        edit = await edited(world, await world.fake.click(world.alice, page, "Delete 2"))
    assert edit.payload()["content"] == "Forgot memory 2."
    assert [m.id for m in await memories_of(service, world.alice)] == [m.id for m in alice if m != alice[1]]
    assert [m.id for m in await memories_of(service, world.bob)] == [m.id for m in bob]
    shown = world.fake.messages[int(page["id"])]
    assert f"`{alice[1].id}`" not in shown["embeds"][0]["description"]
    labels = [b["label"] for b in world.fake.buttons(shown)]
    remaining = range(1, len(alice))
    assert labels == [f"Delete {n}" for n in remaining] + ["◀ Newer", "Older ▶"] + [
        f"Edit {n}" for n in remaining
    ]


async def test_paging_after_a_restart_goes_on_with_the_same_search(
    world: World, settings: Settings, service: ChatService
) -> None:
    query = "hobby: number"  # a colon, like the custom_id's separators
    async with adapter(world, settings, service):
        alice = await seed(world, service, world.alice, *HOBBIES)
        page = await listing(world, world.alice, query)
        first_page = world.fake.messages[int(page["id"])]["embeds"][0]["description"]
    async with adapter(world, settings, service):
        await edited(world, await world.fake.click(world.alice, page, "Older ▶"))
        turned = world.fake.messages[int(page["id"])]
        [embed] = turned["embeds"]
        assert query in embed["title"]
        assert "**6.**" in embed["description"] and "**1.**" not in embed["description"]
        assert not set(re.findall(r"`([^`]+)`", embed["description"])) & set(
            re.findall(r"`([^`]+)`", first_page)
        ), "page two shows the next matches, not the first ones again"
        assert custom_id(world, turned, "◀ Newer").endswith(f":{query}")

        back = await world.fake.click(world.alice, turned, "◀ Newer")
        await edited(world, back)
        assert world.fake.messages[int(page["id"])]["embeds"][0]["description"] == first_page
    assert len(await memories_of(service, world.alice)) == len(alice)


async def test_delete_in_a_search_after_a_restart_keeps_showing_the_search(
    world: World, settings: Settings, service: ChatService
) -> None:
    async with adapter(world, settings, service):
        alice = await seed(world, service, world.alice, *ALICE_SAYS)
        page = await listing(world, world.alice, "jazz piano")
    first = next(m for m in alice if f"`{m.id}`" in page["embeds"][0]["description"].split("\n\n")[0])
    async with adapter(world, settings, service):
        edit = await edited(world, await world.fake.click(world.alice, page, "Delete 1"))
    assert edit.payload()["content"] == "Forgot memory 1."
    assert "jazz piano" in edit.payload()["embeds"][0]["title"]
    assert first.id not in [m.id for m in await memories_of(service, world.alice)]


async def test_forget_all_confirmed_after_a_restart_forgets_only_the_owner(
    world: World, settings: Settings, service: ChatService
) -> None:
    async with adapter(world, settings, service):
        alice = await seed(world, service, world.alice, *ALICE_SAYS)
        bob = await seed(world, service, world.bob, *BOB_SAYS)
        prompt = await forget_all_prompt(world, world.alice)
    async with adapter(world, settings, service):
        edit = await edited(world, await world.fake.click(world.alice, prompt, "Forget everything"))
    assert edit.payload()["content"] == messages.forget_all_done(len(alice))
    assert edit.payload()["components"] == []
    assert await memories_of(service, world.alice) == []
    assert [m.id for m in await memories_of(service, world.bob)] == [m.id for m in bob]


async def test_cancel_after_a_restart_keeps_everything(
    world: World, settings: Settings, service: ChatService
) -> None:
    async with adapter(world, settings, service):
        alice = await seed(world, service, world.alice, *ALICE_SAYS[:1])
        prompt = await forget_all_prompt(world, world.alice)
    async with adapter(world, settings, service):
        callback = await world.fake.wait_callback(await world.fake.click(world.alice, prompt, "Cancel"))
    assert callback.payload()["type"] == UPDATE_MESSAGE
    assert callback.payload()["data"]["content"] == "Cancelled: nothing was forgotten."
    assert callback.payload()["data"]["components"] == []
    assert len(await memories_of(service, world.alice)) == len(alice)


async def test_another_users_clicks_after_a_restart_are_refused_and_change_nothing(
    world: World, settings: Settings, service: ChatService
) -> None:
    async with adapter(world, settings, service):
        alice = await seed(world, service, world.alice, *HOBBIES[:6])
        page = await listing(world, world.alice)
        prompt = await forget_all_prompt(world, world.alice)
    before = world.fake.messages[int(page["id"])]["embeds"]
    async with adapter(world, settings, service):
        for label in ("Delete 1", "Older ▶"):
            assert await refusal(world, await world.fake.click(world.bob, page, label)) == NOT_YOURS
        for label in ("Forget everything", "Cancel"):
            click = await world.fake.click(world.bob, prompt, label)
            assert await refusal(world, click) == NOT_YOUR_FORGET_ALL
    assert [m.id for m in await memories_of(service, world.alice)] == [m.id for m in alice]
    assert world.fake.messages[int(page["id"])]["embeds"] == before
    assert world.fake.messages[int(prompt["id"])]["content"] == messages.FORGET_ALL_CONFIRM


# --- forged and stale custom_ids ---------------------------------------------------------------------


async def test_a_forged_delete_of_someone_elses_memory_deletes_nothing(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS)
    bob = await seed(world, service, world.bob, *BOB_SAYS)
    page = await listing(world, world.bob)

    # Bob's own button, pointed at Alice's memory: it passes the owner check and the core refuses it.
    forge(world, page, "Delete 1", custom_ids.delete_id(world.bob["id"], 1, alice[0].id))
    edit = await edited(world, await world.fake.click(world.bob, page, "Delete 1"))
    assert edit.payload()["content"] == "Memory 1 was already gone."
    # Alice's id as the owner: refused before anything runs.
    forge(world, page, "Delete 1", custom_ids.delete_id(world.alice["id"], 1, alice[0].id))
    assert await refusal(world, await world.fake.click(world.bob, page, "Delete 1")) == NOT_YOURS

    assert [m.id for m in await memories_of(service, world.alice)] == [m.id for m in alice]
    assert [m.id for m in await memories_of(service, world.bob)] == [m.id for m in bob]


def expired_token(settings: Settings, user: JSON) -> str:
    secret = load_or_create_secret(settings.data_dir)  # the service's, created when it started
    issued = time.time() - TOKEN_TTL_S - 60
    return ConfirmTokens(secret).issue(user_id_for(person(user)), now=issued)


def tampered(token: str) -> str:
    expires, signature = token.split(".")
    return f"{expires}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}"


@pytest.mark.parametrize("kind", ["expired", "tampered", "someone else's"])
async def test_a_bad_forget_all_token_gets_the_friendly_refusal(
    world: World, bot: DiscordAdapter, service: ChatService, settings: Settings, kind: str
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS[:2])
    bob = await seed(world, service, world.bob, *BOB_SAYS)
    alices = await forget_all_prompt(world, world.alice)
    alices_token = custom_id(world, alices, "Forget everything").rsplit(":", 1)[1]
    prompt = await forget_all_prompt(world, world.bob)
    token = {
        "expired": expired_token(settings, world.bob),
        "tampered": tampered(custom_id(world, prompt, "Forget everything").rsplit(":", 1)[1]),
        "someone else's": alices_token,
    }[kind]
    forge(world, prompt, "Forget everything", custom_ids.forget_all_id(world.bob["id"], token))

    edit = await edited(world, await world.fake.click(world.bob, prompt, "Forget everything"))
    assert edit.payload()["content"] == messages.FORGET_ALL_REFUSED
    assert edit.payload()["components"] == []
    assert len(await memories_of(service, world.bob)) == len(bob)
    assert len(await memories_of(service, world.alice)) == len(alice)


async def test_a_button_from_before_persistent_buttons_says_to_run_the_command_again(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *ALICE_SAYS[:1])
    page = await listing(world, world.alice)
    forge(world, page, "Delete 1", "0123456789abcdef0123456789abcdef")  # discord.py's own random kind
    callback = await world.fake.wait_callback(await world.fake.click(world.alice, page, "Delete 1"))
    assert callback.payload()["data"]["content"] == OUTDATED
    assert callback.payload()["data"]["flags"] & EPHEMERAL
    assert len(await memories_of(service, world.alice)) == len(alice)


# --- what fits in a custom_id --------------------------------------------------------------------------


async def test_a_search_too_long_for_the_buttons_says_so_and_they_page_all_memories(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    alice = await seed(world, service, world.alice, *HOBBIES)
    query = "hobby number " + "about my pastimes " * 5
    assert custom_ids.query_for_buttons(world.alice["id"], query) is None
    page = await listing(world, world.alice, query)
    assert page["content"] == QUERY_NOT_KEPT
    assert query.strip()[:40] in page["embeds"][0]["title"]

    await edited(world, await world.fake.click(world.alice, page, "Older ▶"))
    turned = world.fake.messages[int(page["id"])]
    assert turned["embeds"][0]["title"] == "Your memories"
    assert f"`{alice[5].id}`" in turned["embeds"][0]["description"]
    assert not turned["content"]


async def test_every_custom_id_fits_for_the_longest_user_id(service: ChatService) -> None:
    owner = str(2**64 - 1)  # the largest snowflake: 20 digits
    record = MemoryRecord(id="0b9f6c1e-3f1a-4c55-9a43-6d1c2b7e9f10", text="x", user_id="discord:" + owner)
    page = MemoryPage(items=[record] * 5, total=10**6, offset=999_990, limit=5)
    query = "q" * 200
    token = service.forget_all_token(person({"id": owner}))
    room = custom_ids.CUSTOM_ID_LIMIT - len(custom_ids.forget_all_id(owner, ""))
    assert len(token) <= room, f"bot/confirm.py's token ({len(token)} characters) must fit in {room}"

    assert custom_ids.query_for_buttons(owner, "q" * 64) == "q" * 64, "docs/discord.md promises 64"
    assert custom_ids.query_for_buttons(owner, "q" * 65) is None
    kept = custom_ids.query_for_buttons(owner, "é" * 64)
    assert kept == "é" * 64
    views = [
        memory_page_view(owner, page, query),
        memory_page_view(owner, page, kept),
        forget_all_view(owner, token, service.forget_all_linked_token(person({"id": owner}))),
    ]
    ids = [str(item.custom_id) for view in views for item in view.children if hasattr(item, "custom_id")]
    assert len(ids) == 12 + 12 + 3  # 5 delete, 5 edit, 2 paging; confirm, confirm linked, cancel
    assert all(custom_ids.fits(i) for i in ids), max(ids, key=len)
    templates = (
        custom_ids.DELETE,
        custom_ids.EDIT,
        custom_ids.PAGE,
        custom_ids.FORGET_ALL,
        custom_ids.FORGET_ALL_LINKED,
        custom_ids.FORGET_ALL_CANCEL,
    )
    assert all(sum(bool(t.fullmatch(i)) for t in templates) == 1 for i in ids), "exactly one handler each"
    assert not custom_ids.fits("mb:page:1:0:" + "🎹" * 45), "emoji count twice, as Discord counts them"

"""Mentions, DMs and threads through the real discord.py client, a fake Discord, and the real chat service."""

from __future__ import annotations

import re

from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo

from adapters.discord import DiscordAdapter
from bot.service import ChatService
from bot.settings import Settings
from tests.adapters.discord.conftest import (
    World,
    answers_to,
    discord_settings,
    memories_of,
    running,
    scripted_model,
    tags_in,
)
from tests.fakes.discord_server import JSON, Recorded

ELECTION_TEXT = (
    "The election campaign heated up as candidates debated voting rules, while a new Python library "
    "for data analysis was released to help programmers process polling data."
)
POLITICAL = re.compile(r"elect|polit|vot|campaign|candidate|govern|poll", re.I)


async def ask(world: World, author: JSON, channel: JSON, text: str) -> Recorded:
    message = await world.fake.send_message(author, channel, text)
    [answer] = await answers_to(world.fake, message)
    return answer


async def test_a_mention_is_answered_with_tags_shaped_by_that_users_memory(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    await ask(world, world.alice, world.channel, f"{world.me} I prefer lowercase tags and I avoid politics")
    await service.drain()
    alice = await ask(world, world.alice, world.channel, f"{world.me} {ELECTION_TEXT}")
    bob = await ask(world, world.bob, world.channel, f"{world.me} {ELECTION_TEXT}")

    alice_tags, bob_tags = tags_in(alice), tags_in(bob)
    assert alice_tags, alice.payload()["content"]
    assert all(tag == tag.lower() for tag in alice_tags), alice_tags
    assert not [t for t in alice_tags if POLITICAL.search(t)], alice_tags
    assert [t for t in bob_tags if POLITICAL.search(t)], f"bob never said he avoids politics: {bob_tags}"
    texts = [m.text for m in await memories_of(service, world.alice)]
    assert texts and not any("<@" in t for t in texts), "the bot's mention must be stripped before the core"


async def test_a_plain_channel_message_without_a_mention_is_not_answered(
    world: World, bot: DiscordAdapter
) -> None:
    await world.fake.send_message(world.alice, world.channel, "just chatting, no bot here")
    await world.fake.send_message(world.alice, world.channel, "@everyone hello", mention_everyone=True)
    sentinel = await world.fake.send_message(world.alice, world.channel, f"{world.me} now you")
    await answers_to(world.fake, sentinel)
    assert len(world.fake.sent_to(world.channel)) == 1


async def test_a_dm_is_answered_and_is_its_own_session(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    dm = world.fake.dm_channel(world.alice)
    message = await world.fake.send_message(
        world.alice, dm, "I avoid politics. Tag this: Python release notes"
    )
    [answer] = await answers_to(world.fake, message)
    assert answer.payload()["content"]
    sessions = {m.run_id for m in await memories_of(service, world.alice) if m.run_id}
    assert sessions == {f"discord:{dm['id']}"}


async def test_a_thread_is_answered_in_the_thread_and_kept_as_its_own_session(
    world: World, bot: DiscordAdapter, service: ChatService
) -> None:
    thread = world.fake.add_thread(world.guild, world.channel)
    await world.fake.dispatch(
        "THREAD_CREATE", {**thread, "newly_created": True}, guild_id=int(world.guild["id"])
    )
    first = await world.fake.send_message(world.alice, thread, f"{world.me} Tag this: Rust compiler release")
    await answers_to(world.fake, first)
    # Having answered there, the bot takes part in the thread: no mention needed any more.
    follow_up = await world.fake.send_message(world.alice, thread, "And this one: Go generics tutorial")
    await answers_to(world.fake, follow_up)
    assert world.fake.sent_to(world.channel) == [], "thread answers go to the thread, not its parent"

    records = await memories_of(service, world.alice)
    sessions = {m.run_id for m in records if m.run_id}
    assert sessions == {f"discord:{world.channel['id']}:{thread['id']}"}
    links = {m.metadata.get("message_link") for m in records if m.metadata.get("message_link")}
    assert f"https://discord.com/channels/{world.guild['id']}/{thread['id']}/{first['id']}" in links


async def test_a_thread_the_bot_is_not_in_needs_a_mention(world: World, bot: DiscordAdapter) -> None:
    thread = world.fake.add_thread(world.guild, world.channel, "people talking")
    await world.fake.dispatch(
        "THREAD_CREATE", {**thread, "newly_created": True}, guild_id=int(world.guild["id"])
    )
    await world.fake.send_message(world.alice, thread, "nothing for the bot")
    sentinel = await world.fake.send_message(world.alice, thread, f"{world.me} but this is")
    await answers_to(world.fake, sentinel)
    assert len(world.fake.sent_to(thread)) == 1


async def test_two_users_are_kept_apart(world: World, bot: DiscordAdapter, service: ChatService) -> None:
    await ask(
        world, world.alice, world.channel, f"{world.me} I prefer uppercase tags. Tag this: tea ceremony"
    )
    await ask(world, world.bob, world.channel, f"{world.me} I like gardening. Tag this: rose pruning")
    alice, bob = await memories_of(service, world.alice), await memories_of(service, world.bob)
    assert alice and bob
    assert {m.user_id for m in alice} == {f"discord:{world.alice['id']}"}
    assert {m.user_id for m in bob} == {f"discord:{world.bob['id']}"}
    assert not any("garden" in m.text.lower() or "rose" in m.text.lower() for m in alice)
    assert not any("uppercase" in m.text.lower() or "tea" in m.text.lower() for m in bob)


async def test_bots_itself_and_system_messages_are_ignored(world: World, bot: DiscordAdapter) -> None:
    fake = world.fake
    other_bot = fake.user("otherbot", bot=True)
    await fake.send_message(other_bot, world.channel, f"{world.me} tag this for me")
    await fake.send_message(fake.bot, world.channel, f"{world.me} talking to myself")
    await fake.send_message(world.alice, world.channel, f"{world.me} joined", message_type=7)  # member join
    # DMs are answered without a mention, and Discord echoes the bot's own answer back as MESSAGE_CREATE:
    # answering that echo would loop forever.
    dm = fake.dm_channel(world.alice)
    dm_message = await fake.send_message(world.alice, dm, "Tag this: sourdough starter")
    await answers_to(fake, dm_message)
    sentinel = await fake.send_message(world.alice, world.channel, f"{world.me} Tag this: kite surfing")
    await answers_to(fake, sentinel)
    dm_again = await fake.send_message(world.alice, dm, "Tag this: bread flour")
    await answers_to(fake, dm_again)

    assert [r.payload()["message_reference"]["message_id"] for r in fake.sent_to(world.channel)] == [
        int(sentinel["id"])
    ]
    assert len(fake.sent_to(dm)) == 2, "one answer per person's DM, none to the bot's own echoes"


async def test_everyone_in_user_text_pings_no_one(world: World, bot: DiscordAdapter) -> None:
    message = await world.fake.send_message(
        world.alice,
        world.channel,
        f"{world.me} Tag this: @everyone @here <@{world.bob['id']}> big announcement",
        mention_everyone=True,
    )
    [answer] = await answers_to(world.fake, message)
    posts = [r for r in world.fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert posts
    for post in posts:
        mentions = post.payload()["allowed_mentions"]
        assert mentions["parse"] == [], mentions
        assert not mentions.get("users") and not mentions.get("roles") and not mentions.get("replied_user")
    assert answer.payload()["message_reference"]["fail_if_not_exists"] is False


LONG_ANSWER = "\n\n".join(
    [
        " ".join(f"Paragraph {p} sentence {n} explains tagging in more detail." for n in range(12))
        for p in range(8)
    ]
    + ["```python\n" + "\n".join(f"tags_{i} = suggest(text_{i}, limit=5)" for i in range(30)) + "\n```"]
)


def long_model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """A language model that talks too much: the reply is over 5,000 characters with a code block."""
    tool = info.output_tools[0].name
    return ModelResponse(parts=[ToolCallPart(tool, {"reply": LONG_ANSWER, "tags": ["verbose"]})])


async def test_a_5000_character_answer_arrives_as_several_messages_under_2000(
    world: World, settings: Settings, service: ChatService
) -> None:
    assert len(LONG_ANSWER) > 5000
    with scripted_model(service, long_model):
        async with running(DiscordAdapter(discord_settings(settings, world.fake), service)):
            message = await world.fake.send_message(world.alice, world.channel, f"{world.me} explain tagging")
            await answers_to(world.fake, message)
            # The tags line comes last: once it is there, every part has been sent.
            await world.fake.wait_for(lambda: "`verbose`" in str(world.fake.sent_to(world.channel)[-1].json))

    posts = world.fake.sent_to(world.channel)
    contents = [str(p.payload()["content"]) for p in posts]
    assert len(contents) >= 4
    assert all(len(c) <= 2000 for c in contents)
    assert all(p.payload()["allowed_mentions"]["parse"] == [] for p in posts)
    whole = "\n".join(contents)
    assert whole.split()[:5] == LONG_ANSWER.split()[:5]
    assert [w for w in whole.split() if w.startswith("tags_")] == [f"tags_{i}" for i in range(30)]
    assert sum("```python" in c for c in contents) == 1, "the code block fits in one message: not split"
    assert "`verbose`" in contents[-1]

"""Discord shards 0 and 1 of 2 in two `memorybot run` processes on one PostgreSQL with pgvector.

The fake gateway routes as Discord does (a guild's events to shard `(guild_id >> 22) % 2`, DMs to shard 0)
and records which process received each event and sent each request. On the fleet the scale tests share:
1. People talk in servers on both shards and in DMs: every message is answered exactly once, by the process
   that owns its guild's shard, and every update is applied exactly once.
2. A preference stated on shard 0 shapes the tags of an answer on shard 1: one person, one memory.
3. A forget-all on shard 0, while shard 1 holds a queued update of the same person: afterwards no table,
   vector or data directory holds a trace, and the queued update does not bring anything back.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot import messages
from tests.adapters.discord.conftest import tags_in
from tests.fakes.discord_server import JSON, FakeDiscord, Recorded
from tests.scale.fleet import (
    Fleet,
    Place,
    everything_in_the_database,
    files_holding,
    holding_locks,
    jobs_done,
    rows,
)

pytestmark = pytest.mark.asyncio(loop_scope="package")

PEOPLE = 6
TOPICS = ["tidal energy", "jazz harmony", "pottery glazes", "chess openings", "bird migration", "kite knots"]
SECRET_WORD = "wombatnineteen"
REPLY_DEADLINE_S = 60.0
DM = None
"""Where to talk: a server's channel (a `Place`), or this: the person's DM (on shard 0, as Discord does)."""


def user_id(user: JSON) -> str:
    return f"discord:{user['id']}"


def key(message: JSON) -> str:
    """The update job a message causes."""
    return f"discord:{message['id']}"


class DiscordTraffic:
    """People talking to the fleet's Discord shards, and what they sent."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.fake: FakeDiscord = fleet.discord
        self.sent: list[tuple[JSON, int]] = []
        """Every message sent, with the shard that must answer it."""

    async def say(self, user: JSON, text: str, place: Place | None) -> tuple[JSON, Recorded]:
        if place is None:
            channel, shard, mention = self.fake.dm_channel(user), 0, ""
        else:
            channel, shard, mention = place.channel, place.shard, f"{self.fake.mention(self.fake.bot)} "
        message = await self.fake.send_message(user, channel, mention + text)
        self.sent.append((message, shard))
        reply = await self.fake.wait_for(lambda: self.replies_to(message), within_s=REPLY_DEADLINE_S)
        return message, reply[0]

    def replies_to(self, message: JSON) -> list[Recorded]:
        return [
            r
            for r in self.fake.requests
            if r.method == "POST"
            and str((r.payload().get("message_reference") or {}).get("message_id")) == message["id"]
        ]


async def test_discord_shards_in_two_processes_share_one_memory(fleet: Fleet) -> None:
    url = fleet.database_url
    bot = DiscordTraffic(fleet)
    fake = bot.fake
    assert sorted(fake.shards) == [(0, "w0"), (1, "w1")], "one shard per process"
    people = [fake.user(f"person{i}") for i in range(PEOPLE)]
    places = [*fleet.places, DM]

    # ---- 1. everyone talks in every server on both shards and in a DM --------------------------------
    async def converse(number: int, user: JSON) -> list[Recorded]:
        answers = []
        for turn, topic in enumerate(TOPICS):
            place = places[(number + turn) % len(places)]
            _, reply = await bot.say(user, f"tag this: field notes about {topic}", place)
            answers.append(reply)
        return answers

    first_answers = await asyncio.gather(*(converse(i, user) for i, user in enumerate(people)))
    # Landed before the preferences: an answer waits (boundedly) for its sender's last update to land.
    await jobs_done(url, *(key(message) for message, _ in bot.sent))

    # ---- 2. a preference stated on shard 0 shapes the tags on shard 1 ---------------------------------
    shard0, shard1 = fleet.places_on(0)[0], fleet.places_on(1)[0]

    async def prefer_then_ask(user: JSON) -> list[str]:
        stated, _ = await bot.say(user, "I prefer uppercase tags", shard0)
        await jobs_done(url, key(stated))
        _, reply = await bot.say(user, "tag this: field notes about kite flying", shard1)
        return tags_in(reply)

    later_tags = await asyncio.gather(*map(prefer_then_ask, people))
    earlier_tags = [tag for answers in first_answers for reply in answers for tag in tags_in(reply)]
    assert any(tag != tag.upper() for tag in earlier_tags), "tags are not uppercase before the preference"
    for tags in later_tags:
        assert tags and all(tag == tag.upper() for tag in tags), tags

    # Exactly one answer per message, sent by the process owning the shard its guild (or DM) is on.
    for message, shard in bot.sent:
        owner = fleet.shard_owner(shard).via
        assert [d.via for d in fake.delivered if d.id == message["id"]] == [owner], message["content"]
        assert [r.via for r in bot.replies_to(message)] == [owner], message["content"]

    # Every update applied exactly once, wherever it was answered.
    await jobs_done(url, *(key(message) for message, _ in bot.sent))
    jobs = await rows(url, "SELECT key, status FROM mb_update_jobs WHERE key LIKE 'discord:%%'")
    assert sorted(k for k, _ in jobs) == sorted(key(m) for m, _ in bot.sent)
    for user in people:
        payloads = await rows(
            url, "SELECT payload FROM memorybot WHERE payload->>'user_id' = %s", user_id(user)
        )
        mine = [payload for (payload,) in payloads]
        interactions = Counter(m["job_key"] for m in mine if m["category"] == "interaction")
        said = [m for m, _ in bot.sent if m["author"]["id"] == user["id"]]
        content = [key(m) for m in said if "tag this" in m["content"]]
        assert interactions == Counter(content), f"{user['username']}: not exactly once"
        preferences = [m["data"] for m in mine if m["category"] == "preference"]
        assert len(preferences) == 1 and "uppercase" in preferences[0].lower(), preferences

    # ---- 3. forget-all on shard 0 while shard 1 holds a queued update of the same person ---------------
    forgetful = fake.user("forgetful")
    for place in (shard0, shard1):
        said, _ = await bot.say(forgetful, f"tag this: my {SECRET_WORD} diary", place)
        await jobs_done(url, key(said))
    async with holding_locks(url, [user_id(forgetful)]):
        held, _ = await bot.say(forgetful, f"tag this: my {SECRET_WORD} secret", shard1)
        ask = await fake.slash(forgetful, shard0.channel, "forget", "all")
        await fake.wait_for(lambda: ask.created, within_s=REPLY_DEADLINE_S)
        assert {d.via for d in fake.delivered if d.id == str(ask.id)} == {"w0"}
        clicked = await fake.click(forgetful, fake.messages[ask.created[0]], "Forget everything")
        pending = await rows(
            url, "SELECT COUNT(*) FROM mb_update_jobs WHERE key = %s AND status = 'pending'", key(held)
        )
        assert pending == [(1,)], "queued on shard 1's process, held back by the lock"
    done = await fake.wait_for(lambda: fake.edits(clicked), within_s=REPLY_DEADLINE_S)
    # the two memories, plus the held update when it got the lock before the erasure
    assert done[0].payload()["content"] in {messages.forget_all_done(n) for n in (2, 3)}, done[0].payload()
    # A later message is remembered again, after whatever shard 1's process still had for this person.
    fresh, _ = await bot.say(forgetful, "tag this: a fresh start with field notes about kites", shard1)
    await jobs_done(url, key(fresh))

    remaining = await rows(
        url, "SELECT payload->>'data' FROM memorybot WHERE payload->>'user_id' = %s", user_id(forgetful)
    )
    assert [text for (text,) in remaining if "fresh start" not in text] == []
    leftovers = await everything_in_the_database(url)
    assert SECRET_WORD not in leftovers
    assert await files_holding(fleet.data_root, SECRET_WORD) == []
    assert fleet.tracebacks() == {}

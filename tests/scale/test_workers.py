"""Three `memorybot run` workers (Slack over HTTP, against the fake Slack) on one PostgreSQL with pgvector.

One run, in phases, on the fleet the scale tests share (fleet.py), because starting workers is the expensive
part:
1. 30 people × 6 DMs, each message to the next worker in turn (every person reaches all three), each person
   waiting for the answer before writing again (as people do). Every person sends the same messages, so
   every person's memories must come out identical, whichever workers answered and applied them.
2. Midway, the test holds five people's advisory locks (the workers' own lock, taken from outside) so their
   updates cannot land; once worker 2 has claimed some of them it is killed with SIGKILL and the locks are
   released. The two others must finish its jobs: every update applied exactly once. After the load, no
   worker holds more than the connections docs/scaling.md budgets.
3. A person's forget-all, asked on worker 1 and confirmed on worker 0 (one secret for the fleet), while
   worker 1 holds a queued update of theirs: afterwards no table, vector or data directory holds a trace.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from typing import Any

import pytest

from adapters.slack.render import ACTION_FORGET_ALL
from bot import messages
from tests.adapters.slack.helpers import button, mrkdwn
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import TEAM_ID, Call, FakeSlack, SlackSender
from tests.scale.fleet import (
    Fleet,
    everything_in_the_database,
    files_holding,
    holding_locks,
    jobs_done,
    rows,
    until,
)

pytestmark = pytest.mark.asyncio(loop_scope="package")

PEOPLE = 30
TOPICS = ["rust lifetimes", "sourdough starters", "tidal energy", "alpine hiking routes"]
SCRIPT = [
    *[f"tag this: field notes about {topic}" for topic in TOPICS],
    "I prefer lowercase tags",
    "I prefer uppercase tags",  # supersedes the one before: must land after it, whichever worker applies it
]
"""Preferences come last: an answer given while the person's previous update is still landing elsewhere
(a bounded wait, by design) would tag differently, and the memories would differ by timing, not by worker."""
PHASES = (range(0, 3), range(3, 4), range(4, len(SCRIPT)))
"""Messages before the kill (each person reaches every worker), while worker 2 dies, after it."""
KILLED = 2
LOCKED = range(5)  # people whose updates are held back while worker 2 dies
FORGOTTEN = PEOPLE - 1
SECRET_WORD = "quokkaseventeen"
REPLY_DEADLINE_S = 60.0
CONNECTIONS_PER_WORKER = 30
"""What docs/scaling.md tells operators to budget per worker; the workers name themselves in the URL."""


def slack_user(person: int) -> str:
    return f"U{person:02d}"


def user_id(person: int) -> str:
    return f"slack:{TEAM_ID}:{slack_user(person)}"


class SlackTraffic:
    """People talking to the fleet's Slack endpoints, and what they sent."""

    def __init__(self, fleet: Fleet) -> None:
        self.fake: FakeSlack = fleet.slack
        self.fleet = fleet
        self.alive = [worker.index for worker in fleet.workers if worker.alive]
        self.replies: dict[str, asyncio.Queue[Call]] = {}
        self.keys: dict[int, list[str]] = {}
        """Per person, the job key of every message that was answered (the update it must have caused)."""
        self.sent_to: dict[str, int] = {}
        self.fake.on_call = self._on_call

    def _on_call(self, call: Call) -> None:
        if call.method == "chat.postMessage":
            self.replies.setdefault(str(call.params.get("channel")), asyncio.Queue()).put_nowait(call)

    def sender(self, worker: int, path: str = "events") -> SlackSender:
        return SlackSender(f"http://127.0.0.1:{self.fleet.workers[worker].port}/slack/{path}")

    async def say(self, person: int, text: str, worker: int) -> Call:
        body = p.dm(slack_user(person), text)
        channel = body["event"]["channel"]
        inbox = self.replies.setdefault(channel, asyncio.Queue())
        async with self.sender(worker) as sender:
            status, answer = await sender.event(body)
        assert status == 200, (worker, status, answer)
        reply = await asyncio.wait_for(inbox.get(), REPLY_DEADLINE_S)
        self.keys.setdefault(person, []).append(f"slack:{body['event']['client_msg_id']}")
        self.sent_to[f"slack:{body['event']['client_msg_id']}"] = worker
        return reply

    async def converse(self, person: int, turns: range) -> None:
        for turn in turns:
            worker = self.alive[(person + turn) % len(self.alive)]
            await self.say(person, SCRIPT[turn], worker)


async def test_three_workers_share_one_database(fleet: Fleet) -> None:
    url = fleet.database_url
    bot = SlackTraffic(fleet)
    assert len(bot.alive) == 3, "the fleet's three workers"
    before, while_killing, after = PHASES
    # ---- phase 1: the first messages of every conversation, over all three workers -------------------
    await asyncio.gather(*(bot.converse(person, before) for person in range(PEOPLE)))

    async def all_applied() -> bool:
        found = await rows(url, "SELECT COUNT(*) FROM mb_update_jobs WHERE status <> 'done'")
        return found[0][0] == 0

    # Landed before the locks are taken: an answer waits (boundedly) for its sender's last update to land.
    await until(all_applied, "the first updates to be applied")

    # ---- phase 2: five people's updates held back; worker 2 claims some, then dies ----------------------
    held = list(LOCKED)
    async with holding_locks(url, [user_id(person) for person in held]):
        await asyncio.gather(*(bot.converse(person, while_killing) for person in range(PEOPLE)))
        to_killed = [
            k for person in held for k in bot.keys[person][while_killing.start :] if bot.sent_to[k] == KILLED
        ]
        assert to_killed

        async def killed_worker_holds_claims() -> bool:
            found = await rows(
                url,
                "SELECT COUNT(*) FROM mb_update_jobs WHERE key = ANY(%s) AND status = 'pending' "
                "AND claim_pid IS NOT NULL",
                to_killed,
            )
            return bool(found[0][0])

        await until(killed_worker_holds_claims, "worker 2 to claim a held-back update")
        bot.alive.remove(KILLED)
        killed = fleet.workers[KILLED].process
        killed.send_signal(signal.SIGKILL)
        await killed.wait()

    # ---- phase 3: the rest of every conversation, on the two survivors ---------------------------------
    await asyncio.gather(*(bot.converse(person, after) for person in range(PEOPLE)))
    await until(all_applied, "every update to be applied")
    # The connection budget docs/scaling.md gives operators (max_connections ≥ workers × it), after the load.
    connections = await rows(
        url,
        "SELECT application_name, COUNT(*) FROM pg_stat_activity WHERE application_name LIKE 'memorybot-w%%' "
        "GROUP BY 1",
    )
    assert connections and all(n <= CONNECTIONS_PER_WORKER for _, n in connections), connections

    # Exactly once: each answered message's update landed once, and nothing else did.
    memories = await rows(url, "SELECT payload FROM memorybot WHERE payload->>'user_id' LIKE 'slack:%%'")
    by_person: dict[str, list[dict[str, Any]]] = {}
    for (payload,) in memories:
        by_person.setdefault(payload["user_id"], []).append(payload)
    assert sorted(by_person) == sorted(user_id(person) for person in range(PEOPLE))
    jobs = await rows(url, "SELECT key, status FROM mb_update_jobs WHERE key LIKE 'slack:%%'")
    assert len(jobs) == PEOPLE * len(SCRIPT) and {status for _, status in jobs} == {"done"}
    reference: Counter[tuple[str, str]] | None = None
    for person in range(PEOPLE):
        mine = by_person[user_id(person)]
        interactions = Counter(m["job_key"] for m in mine if m["category"] == "interaction")
        content_keys = [k for k, text in zip(bot.keys[person], SCRIPT, strict=True) if "tag this" in text]
        assert interactions == Counter(content_keys), f"person {person}: not exactly once"
        preferences = [m["data"] for m in mine if m["category"] == "preference"]
        assert len(preferences) == 1 and "uppercase" in preferences[0].lower(), preferences
        # Identical whichever worker answered: the same messages left the same memories.
        same = Counter((m["category"], m["data"]) for m in mine)
        reference = reference or same
        assert same == reference, f"person {person} differs"

    # ---- phase 4: forget-all on one worker while the other holds that person's update -------------------
    survivor_a, survivor_b = bot.alive
    async with holding_locks(url, [user_id(FORGOTTEN)]):
        await bot.say(FORGOTTEN, f"tag this: my {SECRET_WORD} diary entry", survivor_b)
        question = await _command(bot, survivor_b, "/forget", "all", FORGOTTEN)
        confirm = button(question, ACTION_FORGET_ALL)
        clicked = asyncio.create_task(_click(bot, survivor_a, confirm["value"], FORGOTTEN))
        pending = await rows(
            url, "SELECT COUNT(*) FROM mb_update_jobs WHERE user_id = %s AND status = 'pending'",
            user_id(FORGOTTEN),
        )  # fmt: skip
        assert pending[0][0] == 1  # queued on worker b, held back by the lock
    done = await asyncio.wait_for(clicked, REPLY_DEADLINE_S)
    # the memories so far, plus worker b's held update when it got the lock before the erasure
    remembered = len(TOPICS) + 1
    assert mrkdwn(done) in {messages.forget_all_done(remembered + n) for n in (0, 1)}, mrkdwn(done)
    # A later message is remembered again, after whatever worker b still had for this person.
    await bot.say(FORGOTTEN, "tag this: a fresh start with field notes about kites", survivor_b)
    fresh = bot.keys[FORGOTTEN][-1]
    queued = await rows(url, "SELECT status FROM mb_update_jobs WHERE key = %s", fresh)
    assert queued, "a message after the erasure is remembered again"
    await jobs_done(url, fresh)

    # No trace: no table of the database, and no file of any worker, holds what the person said before.
    leftovers = await everything_in_the_database(url)
    assert SECRET_WORD not in leftovers and "field notes about" not in _person_rows(leftovers, FORGOTTEN)
    remaining = await rows(url, "SELECT payload->>'data' FROM memorybot WHERE payload->>'user_id' = %s",
                           user_id(FORGOTTEN))  # fmt: skip
    assert [text for (text,) in remaining if "kites" not in text] == []
    assert await files_holding(fleet.data_root, SECRET_WORD) == []
    assert fleet.tracebacks() == {}


async def _command(bot: SlackTraffic, worker: int, command: str, text: str, person: int) -> Call:
    url = bot.fake.new_response_url()
    async with bot.sender(worker) as sender:
        form = p.slash_command(command, text, user=slack_user(person), response_url=url)
        status, _ = await sender.form(form)
    assert status == 200
    path = url[url.index("/response/") :]
    return (await bot.fake.wait_for_calls("response_url", where=lambda c: c.path == path))[-1]


async def _click(bot: SlackTraffic, worker: int, value: str, person: int) -> Call:
    url = bot.fake.new_response_url()
    async with bot.sender(worker) as sender:
        status, _ = await sender.interaction(
            p.block_action(ACTION_FORGET_ALL, value, user=slack_user(person), response_url=url)
        )
    assert status == 200
    path = url[url.index("/response/") :]
    return (await bot.fake.wait_for_calls("response_url", where=lambda c: c.path == path))[-1]


def _person_rows(dump: str, person: int) -> str:
    return "\n".join(line for line in dump.splitlines() if user_id(person) in line)

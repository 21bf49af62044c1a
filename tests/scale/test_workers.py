"""Three `memorybot run` workers (Slack over HTTP, against the fake Slack) on one PostgreSQL with pgvector.

One run, in phases, because starting the workers is the expensive part:
1. 30 people × 20 DMs, each message to the next worker in turn, each person waiting for the answer before
   writing again (as people do). Every person sends the same 20 messages, so every person's memories must
   come out identical, whichever workers answered and applied them.
2. Midway, the test holds five people's advisory locks (the workers' own lock, taken from outside) so their
   updates cannot land; once worker 2 has claimed some of them it is killed with SIGKILL and the locks are
   released. The two others must finish its jobs: every update applied exactly once.
3. A person's forget-all, asked on worker 1 and confirmed on worker 0 (one secret for the fleet), while
   worker 1 holds queued updates of theirs: afterwards no table, vector or data directory holds a trace.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg

from adapters.slack.render import ACTION_FORGET_ALL
from bot import messages
from state.postgres import USER_LOCK_SPACE
from tests.adapters.slack.helpers import button, mrkdwn
from tests.fakes import slack_payloads as p
from tests.fakes.processes import interrupt
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, Call, FakeSlack, SlackSender

WORKERS = 3
PEOPLE = 30
TOPICS = [
    "rust lifetimes", "sourdough starters", "tidal energy", "jazz harmony", "alpine hiking routes",
    "postgres indexes", "watercolor washes", "chess openings", "bird migration", "sailing knots",
    "pottery glazes", "kubernetes operators", "marathon training", "beekeeping", "film photography",
    "compost heaps", "origami cranes", "volcano geology",
]  # fmt: skip
SCRIPT = [
    *[f"tag this: field notes about {topic}" for topic in TOPICS],
    "I prefer lowercase tags",
    "I prefer uppercase tags",  # supersedes the one before: must land after it, whichever worker applies it
]
"""Preferences come last: an answer given while the person's previous update is still landing elsewhere
(a bounded wait, by design) would tag differently, and the memories would differ by timing, not by worker."""
KILLED = 2
LOCKED = range(5)  # people whose updates are held back while worker 2 dies
FORGOTTEN = PEOPLE - 1
SECRET_WORD = "quokkaseventeen"
START_DEADLINE_S = 120.0
REPLY_DEADLINE_S = 60.0


def slack_user(person: int) -> str:
    return f"U{person:02d}"


def user_id(person: int) -> str:
    return f"slack:{TEAM_ID}:{slack_user(person)}"


class Fleet:
    """The workers, the fake Slack they talk to, and what the test sent."""

    def __init__(
        self,
        fake: FakeSlack,
        processes: list[asyncio.subprocess.Process],
        ports: list[int],
        database_url: str,
    ) -> None:
        self.fake = fake
        self.processes = processes
        self.ports = ports
        self.database_url = database_url
        self.alive = list(range(len(ports)))
        self.replies: dict[str, asyncio.Queue[Call]] = {}
        self.keys: dict[int, list[str]] = {}
        """Per person, the job key of every message that was answered (the update it must have caused)."""
        self.sent_to: dict[str, int] = {}
        fake.on_call = self._on_call

    def _on_call(self, call: Call) -> None:
        if call.method == "chat.postMessage":
            self.replies.setdefault(str(call.params.get("channel")), asyncio.Queue()).put_nowait(call)

    def sender(self, worker: int, path: str = "events") -> SlackSender:
        return SlackSender(f"http://127.0.0.1:{self.ports[worker]}/slack/{path}")

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


async def _spawn(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "memorybot", "run",
        cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _port(index: int, process: asyncio.subprocess.Process) -> int:
    """Read the worker's log until it says which port it bound."""
    assert process.stderr is not None
    log: list[str] = []
    while line := (await process.stderr.readline()).decode():
        log.append(line)
        if "Slack adapter started" in line:
            return int(json.loads(line)["port"])
    raise AssertionError(f"worker {index} exited before serving Slack:\n" + "".join(log))


async def _drain_logs(process: asyncio.subprocess.Process, log: list[str]) -> None:
    assert process.stderr is not None
    while line := (await process.stderr.readline()).decode():
        log.append(line)


@asynccontextmanager
async def fleet(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Fleet, list[list[str]]]]:
    async with FakeSlack() as fake:
        base = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "SLACK_HOST": "127.0.0.1",
            "SLACK_PORT": "0",
            "DATABASE_URL": database_url,
            "MEMORY_STORE": "pgvector",
            "RATE_LIMIT_PER_MINUTE": "10000",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "MEM0_TELEMETRY": "False",
        }
        envs = [{**base, "MEMORYBOT_DATA_DIR": str(tmp_path / f"worker{i}")} for i in range(WORKERS)]
        processes = [await _spawn(env, tmp_path) for env in envs]
        try:
            ports = await asyncio.wait_for(
                asyncio.gather(*(_port(i, proc) for i, proc in enumerate(processes))), START_DEADLINE_S
            )
        except BaseException:
            for proc in processes:
                if proc.returncode is None:
                    proc.kill()
                await proc.wait()
            raise
        logs: list[list[str]] = [[] for _ in processes]
        draining = [
            asyncio.create_task(_drain_logs(proc, log)) for proc, log in zip(processes, logs, strict=True)
        ]
        try:
            yield Fleet(fake, processes, list(ports), database_url), logs
        finally:
            await asyncio.gather(*(interrupt(proc) for proc in processes))
            await asyncio.gather(*draining)


@asynccontextmanager
async def holding_locks(database_url: str, people: list[int]) -> AsyncIterator[None]:
    """Take the same advisory locks the workers take around a person's memory writes."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for person in people:
            key = (USER_LOCK_SPACE, user_id(person))
            await conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", key)
        yield
        await conn.execute("SELECT pg_advisory_unlock_all()")


async def _until(condition: Any, what: str, deadline_s: float = 60.0) -> None:
    """Poll the database until `condition()` holds (a deadline, not a sleep: PostgreSQL has no push here)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while not await condition():
        assert loop.time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def _rows(database_url: str, query: str, *args: Any) -> list[tuple[Any, ...]]:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(query, args)  # type: ignore[arg-type]
        return await cur.fetchall()


async def test_three_workers_share_one_database(tmp_path: Path, pgvector_url: str) -> None:
    url = pgvector_url
    async with fleet(tmp_path, url) as (bot, logs):
        # ---- phase 1: the first eight messages of every conversation, over all three workers ----------
        await asyncio.gather(*(bot.converse(person, range(8)) for person in range(PEOPLE)))

        # ---- phase 2: five people's updates held back; worker 2 claims some, then dies ------------------
        held = list(LOCKED)
        async with holding_locks(url, held):
            await asyncio.gather(*(bot.converse(person, range(8, 10)) for person in range(PEOPLE)))
            to_killed = [k for person in held for k in bot.keys[person][8:] if bot.sent_to[k] == KILLED]
            assert to_killed

            async def killed_worker_holds_claims() -> bool:
                rows = await _rows(
                    url,
                    "SELECT COUNT(*) FROM mb_update_jobs WHERE key = ANY(%s) AND status = 'pending' "
                    "AND claim_pid IS NOT NULL",
                    to_killed,
                )
                return bool(rows[0][0])

            await _until(killed_worker_holds_claims, "worker 2 to claim a held-back update")
            bot.alive.remove(KILLED)
            bot.processes[KILLED].send_signal(signal.SIGKILL)
            await bot.processes[KILLED].wait()

        # ---- phase 3: the rest of every conversation, on the two survivors ----------------------------
        await asyncio.gather(*(bot.converse(person, range(10, len(SCRIPT))) for person in range(PEOPLE)))

        async def all_applied() -> bool:
            rows = await _rows(url, "SELECT COUNT(*) FROM mb_update_jobs WHERE status <> 'done'")
            return rows[0][0] == 0

        await _until(all_applied, "every update to be applied")

        # Exactly once: each answered message's update landed once, and nothing else did.
        memories = await _rows(url, "SELECT payload FROM memorybot WHERE payload ? 'user_id'")
        by_person: dict[str, list[dict[str, Any]]] = {}
        for (payload,) in memories:
            by_person.setdefault(payload["user_id"], []).append(payload)
        assert sorted(by_person) == sorted(user_id(person) for person in range(PEOPLE))
        jobs = await _rows(url, "SELECT key, status FROM mb_update_jobs")
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

        # ---- phase 4: forget-all on one worker while the other holds that person's updates -------------
        survivor_a, survivor_b = bot.alive
        async with holding_locks(url, [FORGOTTEN]):
            for word in ("first", "second"):
                await bot.say(FORGOTTEN, f"tag this: my {word} {SECRET_WORD} diary entry", survivor_b)
            question = await _command(bot, survivor_b, "/forget", "all", FORGOTTEN)
            confirm = button(question, ACTION_FORGET_ALL)
            clicked = asyncio.create_task(_click(bot, survivor_a, confirm["value"], FORGOTTEN))
            pending = await _rows(
                url, "SELECT COUNT(*) FROM mb_update_jobs WHERE user_id = %s AND status = 'pending'",
                user_id(FORGOTTEN),
            )  # fmt: skip
            assert pending[0][0] == 2  # queued on worker b, held back by the lock
        done = await asyncio.wait_for(clicked, REPLY_DEADLINE_S)
        # 19 memories, plus whichever of worker b's two held updates got the lock before the erasure
        assert mrkdwn(done) in {messages.forget_all_done(n) for n in (19, 20, 21)}, mrkdwn(done)
        # A later message is remembered again, after whatever worker b still had for this person.
        await bot.say(FORGOTTEN, "tag this: a fresh start with field notes about kites", survivor_b)
        fresh = bot.keys[FORGOTTEN][-1]
        queued = await _rows(url, "SELECT status FROM mb_update_jobs WHERE key = %s", fresh)
        assert queued, "a message after the erasure is remembered again"

        async def fresh_applied() -> bool:
            rows = await _rows(url, "SELECT status FROM mb_update_jobs WHERE key = %s", fresh)
            return bool(rows) and rows[0][0] == "done"

        await _until(fresh_applied, "the message after the forget to be applied")

    # No trace: no table of the database, and no file of any worker, holds what the person said before.
    leftovers = await _everything_in_the_database(url)
    assert SECRET_WORD not in leftovers and "field notes about" not in _person_rows(leftovers, FORGOTTEN)
    remaining = await _rows(url, "SELECT payload->>'data' FROM memorybot WHERE payload->>'user_id' = %s",
                            user_id(FORGOTTEN))  # fmt: skip
    assert [text for (text,) in remaining if "kites" not in text] == []
    files = [path for path in await asyncio.to_thread(lambda: list(tmp_path.rglob("*"))) if path.is_file()]
    assert files, "the workers' data directories"
    for path in files:
        assert SECRET_WORD.encode() not in path.read_bytes(), path
    for index, log in enumerate(logs):
        assert "Traceback" not in "".join(log), f"worker {index}:\n" + "".join(log)


async def _command(bot: Fleet, worker: int, command: str, text: str, person: int) -> Call:
    url = bot.fake.new_response_url()
    async with bot.sender(worker) as sender:
        form = p.slash_command(command, text, user=slack_user(person), response_url=url)
        status, _ = await sender.form(form)
    assert status == 200
    path = url[url.index("/response/") :]
    return (await bot.fake.wait_for_calls("response_url", where=lambda c: c.path == path))[-1]


async def _click(bot: Fleet, worker: int, value: str, person: int) -> Call:
    url = bot.fake.new_response_url()
    async with bot.sender(worker) as sender:
        status, _ = await sender.interaction(
            p.block_action(ACTION_FORGET_ALL, value, user=slack_user(person), response_url=url)
        )
    assert status == 200
    path = url[url.index("/response/") :]
    return (await bot.fake.wait_for_calls("response_url", where=lambda c: c.path == path))[-1]


async def _everything_in_the_database(url: str) -> str:
    """Every row of every table in the database, as text."""
    tables = await _rows(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    dumped: list[str] = []
    async with await psycopg.AsyncConnection.connect(url) as conn:
        for (table,) in tables:
            cur = await conn.execute(
                psycopg.sql.SQL("SELECT t::text FROM {} t").format(psycopg.sql.Identifier(table))
            )
            dumped.extend(f"{table}\t{row[0]}" for row in await cur.fetchall())
    return "\n".join(dumped)


def _person_rows(dump: str, person: int) -> str:
    return "\n".join(line for line in dump.splitlines() if user_id(person) in line)


"""Three `memorybot run` worker processes on one PostgreSQL (with pgvector), shared by the scale tests.

Starting the workers is the expensive part (each loads its models: seconds of CPU), so the scale tests share
one fleet (the package fixture in conftest.py). Every worker serves Slack over HTTP against one fake Slack;
workers 0 and 1 also run Discord shards 0 and 1 of 2 against one fake Discord, each through its own URL
label, so the fake records which process received each event and sent each request. Worker 2 runs no
shard: the Slack test kills it, and the Discord shards stay up whichever test runs first.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bot.settings import Settings
from state.postgres import USER_LOCK_SPACE
from tests.fakes.discord_server import JSON, FakeDiscord
from tests.fakes.processes import interrupt
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack

WORKERS = 3
SHARDS = 2
"""Discord shards, one per worker from worker 0 on."""
GUILDS_PER_SHARD = 2
START_DEADLINE_S = 120.0
SLACK_STARTED = "Slack adapter started"
DISCORD_CONNECTED = "connected to Discord"


@dataclass
class Worker:
    index: int
    process: asyncio.subprocess.Process
    shard: int | None
    port: int = 0
    """Where its Slack HTTP endpoint listens."""
    log: list[str] = field(default_factory=list)

    @property
    def via(self) -> str:
        """Its label in the fake Discord's records."""
        return f"w{self.index}"

    @property
    def alive(self) -> bool:
        return self.process.returncode is None


@dataclass
class Place:
    """A Discord guild text channel the fake knows, on a known shard."""

    guild: JSON
    channel: JSON
    shard: int


@dataclass
class Fleet:
    slack: FakeSlack
    discord: FakeDiscord
    places: list[Place]
    """Discord channels, `GUILDS_PER_SHARD` per shard."""
    database_url: str
    data_root: Path
    workers: list[Worker] = field(default_factory=list)

    def shard_owner(self, shard: int) -> Worker:
        return next(w for w in self.workers if w.shard == shard)

    def places_on(self, shard: int) -> list[Place]:
        return [place for place in self.places if place.shard == shard]

    def tracebacks(self) -> dict[int, str]:
        """Each worker's log, for those that printed a traceback (a defect, whatever else passed)."""
        return {w.index: "".join(w.log) for w in self.workers if "Traceback" in "".join(w.log)}


def guild_on_shard(fake: FakeDiscord, shard: int, name: str) -> JSON:
    """A guild whose id Discord routes to `shard` of `SHARDS`: `(guild_id >> 22) % SHARDS == shard`."""
    snowflake = fake.snowflake()
    guild_id = snowflake - (((snowflake >> 22) % SHARDS - shard) << 22)
    assert (guild_id >> 22) % SHARDS == shard
    return fake.add_guild(name, guild_id=guild_id)


def _environment(fleet: Fleet, index: int) -> dict[str, str]:
    # Nothing from the developer's shell: the package fixture starts before any test's own clean-up.
    ours = {*(name.upper() for name in Settings.model_fields), "MEMORYBOT_DATA_DIR"}
    inherited = {k: v for k, v in os.environ.items() if k not in ours}
    env = {
        **inherited,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fleet.slack.api_url,
        "SLACK_HOST": "127.0.0.1",
        "SLACK_PORT": "0",
        "DATABASE_URL": f"{fleet.database_url}?application_name=memorybot-w{index}",
        "MEMORY_STORE": "pgvector",
        "MEMORYBOT_DATA_DIR": str(fleet.data_root / f"worker{index}"),
        "RATE_LIMIT_PER_MINUTE": "10000",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "MEM0_TELEMETRY": "False",
    }
    if index < SHARDS:
        env |= {
            "DISCORD_TOKEN": fleet.discord.token,
            "DISCORD_API_URL": fleet.discord.api_url_via(f"w{index}"),
            "DISCORD_GATEWAY_URL": fleet.discord.gateway_url_via(f"w{index}"),
            "DISCORD_SHARD_COUNT": str(SHARDS),
            "DISCORD_SHARD_IDS": str(index),
        }
    return env


async def _spawn(fleet: Fleet, index: int) -> Worker:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "memorybot", "run",
        cwd=fleet.data_root, env=_environment(fleet, index), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    return Worker(index, process, index if index < SHARDS else None)


async def _started(worker: Worker) -> None:
    """Read the worker's log until it serves Slack (and its Discord shard is connected)."""
    assert worker.process.stderr is not None
    waiting = {SLACK_STARTED} | ({DISCORD_CONNECTED} if worker.shard is not None else set())
    while waiting and (line := (await worker.process.stderr.readline()).decode()):
        worker.log.append(line)
        for marker in [m for m in waiting if m in line]:
            waiting.discard(marker)
            if marker == SLACK_STARTED:
                worker.port = int(json.loads(line)["port"])
    if waiting:
        raise AssertionError(f"worker {worker.index} exited before {waiting}:\n" + "".join(worker.log))


async def _drain_log(worker: Worker) -> None:
    assert worker.process.stderr is not None
    while line := (await worker.process.stderr.readline()).decode():
        worker.log.append(line)


@asynccontextmanager
async def running_fleet(data_root: Path, database_url: str) -> AsyncIterator[Fleet]:
    """Start the fakes and the workers (all at once: their start-up is CPU, not waiting); stop them after."""
    async with FakeSlack() as slack, FakeDiscord() as discord:
        places = []
        for shard in range(SHARDS):
            for number in range(GUILDS_PER_SHARD):
                guild = guild_on_shard(discord, shard, f"server {number} on shard {shard}")
                places.append(Place(guild, discord.add_channel(guild), shard))
        fleet = Fleet(slack, discord, places, database_url, data_root)
        fleet.workers = [await _spawn(fleet, index) for index in range(WORKERS)]
        draining: list[asyncio.Task[None]] = []
        try:
            await asyncio.wait_for(asyncio.gather(*map(_started, fleet.workers)), START_DEADLINE_S)
            draining = [asyncio.create_task(_drain_log(worker)) for worker in fleet.workers]
            yield fleet
        finally:
            await asyncio.gather(*(interrupt(worker.process) for worker in fleet.workers))
            await asyncio.gather(*draining)


# --- looking into the database ------------------------------------------------------------------------


async def rows(database_url: str, query: str, *args: Any) -> list[tuple[Any, ...]]:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(query, args)  # type: ignore[arg-type]
        return await cur.fetchall()


async def until(condition: Callable[[], Awaitable[bool]], what: str, deadline_s: float = 60.0) -> None:
    """Poll until `condition()` holds (a deadline, not a sleep: PostgreSQL has no push here)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while not await condition():
        assert loop.time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def jobs_done(database_url: str, *keys: str) -> None:
    """Wait until the updates the messages with these job keys caused have all been applied."""
    wanted = sorted(set(keys))

    async def done() -> bool:
        query = "SELECT COUNT(*) FROM mb_update_jobs WHERE key = ANY(%s) AND status = 'done'"
        return (await rows(database_url, query, wanted))[0][0] == len(wanted)

    await until(done, f"updates {wanted[:3]}… ({len(wanted)}) to be applied")


@asynccontextmanager
async def holding_locks(database_url: str, user_ids: list[str]) -> AsyncIterator[None]:
    """Take the same advisory locks the workers take around a person's memory writes."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for user_id in user_ids:
            await conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (USER_LOCK_SPACE, user_id))
        yield
        await conn.execute("SELECT pg_advisory_unlock_all()")


async def everything_in_the_database(database_url: str) -> str:
    """Every row of every table in the database, as text, one `table<TAB>row` line each."""
    tables = await rows(database_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    dumped: list[str] = []
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        for (table,) in tables:
            cur = await conn.execute(sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(table)))
            dumped.extend(f"{table}\t{row[0]}" for row in await cur.fetchall())
    return "\n".join(dumped)


async def files_holding(root: Path, secret: str) -> list[Path]:
    """The files under `root` (the workers' data directories) whose bytes contain `secret`."""

    def scan() -> list[Path]:
        files = [path for path in root.rglob("*") if path.is_file()]
        assert files, f"no files under {root}: the workers' data directories"
        return [path for path in files if secret.encode() in path.read_bytes()]

    return await asyncio.to_thread(scan)

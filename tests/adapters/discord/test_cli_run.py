"""`memorybot run` in a real subprocess, its Discord settings pointing at the fake Discord in this process."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.fakes.discord_server import FakeDiscord
from tests.fakes.processes import interrupt

STARTUP_S = 120.0
"""Generous: the subprocess loads the embedding model before it connects."""
ANSWER_S = 60.0


def child_env(data_dir: Path, fake: FakeDiscord, guild_ids: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "BOT_", "MEMORY"))}
    env.pop("MEM0_DIR", None)
    env.update(
        {
            "MEMORYBOT_DATA_DIR": str(data_dir),
            "LOG_LEVEL": "WARNING",
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DISCORD_GUILD_IDS": guild_ids,
        }
    )
    return env


async def test_memorybot_run_answers_a_mention(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        guild = fake.add_guild()
        channel = fake.add_channel(guild)
        alice = fake.user("alice")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "memorybot",
            "run",
            env=child_env(tmp_path / "data", fake, guild["id"]),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            ready = asyncio.create_task(fake.wait_for(lambda: fake.identifies, within_s=STARTUP_S))
            exited = asyncio.create_task(process.wait())
            done, _ = await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
            if exited in done:
                ready.cancel()
                _, err = await process.communicate()
                raise AssertionError(
                    f"memorybot run exited with {process.returncode}:\n{err.decode()[-3000:]}"
                )
            await ready
            assert fake.commands[guild["id"]], "slash commands were synced to the configured guild"

            message = await fake.send_message(
                alice, channel, f"{fake.mention(fake.bot)} Tag this: Python 3.13 release"
            )
            post = await fake.wait_for(
                lambda: next(
                    (
                        r
                        for r in fake.sent_to(channel)
                        if str(r.payload().get("message_reference", {}).get("message_id")) == message["id"]
                    ),
                    None,
                ),
                within_s=ANSWER_S,
            )
            assert post.payload()["content"].strip()
            assert post.payload()["allowed_mentions"]["parse"] == []
        finally:
            await interrupt(process)


async def test_memorybot_run_stops_on_malformed_discord_settings(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "memorybot",
            "run",
            env=child_env(tmp_path / "data", fake, "my-server"),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), STARTUP_S)
    assert process.returncode == 2, err.decode()[-3000:]
    assert "DISCORD_GUILD_IDS must be a comma-separated list of numbers" in err.decode()
    assert fake.identifies == [] and fake.requests == []

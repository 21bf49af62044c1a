"""The command line in real subprocesses: persistence across processes, the console chat, start-up errors."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ELECTION_TEXT = (
    "The election campaign heated up as candidates debated voting rules, while a new Python library "
    "for data analysis was released to help programmers process polling data."
)
POLITICAL = re.compile(r"elect|polit|vot|campaign|candidate|govern|poll", re.I)


def memorybot(
    data_dir: Path,
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    unset: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "BOT_", "MEMORY"))
    }
    full_env.update({"MEMORYBOT_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", "COLUMNS": "200"})
    full_env.pop("MEM0_DIR", None)
    full_env.update(env or {})
    for name in unset:
        full_env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "memorybot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        env=full_env,
        cwd=cwd or data_dir.parent,
    )


def ask(data_dir: Path, user: str, text: str) -> dict[str, object]:
    done = memorybot(data_dir, "ask", "--user", user, "--json", text)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_preferences_persist_across_processes_and_forget_all(tmp_path: Path) -> None:
    data = tmp_path / "data"
    asyncio.run(_say(data, ("bob", "I like rust content")))  # someone else, who must be left alone
    ask(data, "alice", "I prefer lowercase tags and I avoid politics")
    alice = ask(data, "alice", ELECTION_TEXT)  # a new process: what alice said came from the store
    alice_tags = [str(t) for t in alice["tags"]]  # type: ignore[attr-defined]
    assert alice_tags and all(t == t.lower() for t in alice_tags)
    assert not [t for t in alice_tags if POLITICAL.search(t)], alice_tags
    assert alice["memories_used"], "alice's reply did not draw on her memories"

    forgot = memorybot(data, "forget", "--user", "alice", "--all", "--yes")
    assert forgot.returncode == 0, forgot.stderr
    assert re.search(r"\b[2-9]\d* memor", forgot.stdout), forgot.stdout  # both of what alice said
    after = json.loads(memorybot(data, "memories", "--user", "alice", "--json").stdout)
    assert after["count"] == 0
    assert json.loads(memorybot(data, "memories", "--user-id", "console:bob", "--json").stdout)["count"] >= 1

    # Every operator read and erasure left one audit line: who, what, whose, how many; never the text.
    audit = memorybot(data, "audit", "--json")
    assert audit.returncode == 0, audit.stderr
    lines = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [(line["action"], line["target"]) for line in lines] == [
        ("forget-all", "console:alice"),
        ("read-memories", "console:alice"),
        ("read-memories", "console:bob"),
    ]
    assert lines[0]["count"] >= 2 and lines[0]["actor"].startswith("operator")
    assert not re.search(r"lowercase|politic|rust", audit.stdout, re.I)
    assert "forget-all" in memorybot(data, "audit").stdout  # the table


def test_audit_with_a_database_shows_what_every_worker_wrote(tmp_path: Path, database_url: str) -> None:
    from state import open_audit_trail

    for worker, target in (("one", "discord:1"), ("two", "slack:T1:U2"), ("one", "discord:3")):
        trail = open_audit_trail(tmp_path / worker, database_url)  # two machines' operators
        trail.append({"actor": "operator:x", "action": "forget-all", "target": target, "via": "cli"})
        trail.close()
    env = {"DATABASE_URL": database_url}
    shown = memorybot(tmp_path / "three", "audit", "--json", "--last", "2", env=env)
    assert shown.returncode == 0, shown.stderr
    assert [json.loads(line)["target"] for line in shown.stdout.splitlines()] == ["slack:T1:U2", "discord:3"]
    assert not list(tmp_path.rglob("audit.log"))


def test_nothing_is_written_to_home_or_tmp(tmp_path: Path) -> None:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    done = memorybot(
        tmp_path / "data",
        "ask",
        "--user",
        "alice",
        "I like rust content",
        env={"HOME": str(home), "TMPDIR": str(tmp)},
    )
    assert done.returncode == 0, done.stderr
    assert list(home.iterdir()) == [] and list(tmp.iterdir()) == []
    assert (tmp_path / "data" / "history.db").exists()


def test_console_chat_end_to_end(tmp_path: Path) -> None:
    data = tmp_path / "data"
    script = (
        "\n".join(
            [
                "I prefer lowercase tags and I avoid politics",
                ELECTION_TEXT,
                "/memories",
                "/forget all",
                "yes",
                "/memories",
                "/quit",
            ]
        )
        + "\n"
    )
    done = memorybot(data, "chat", "--user", "alice", stdin=script)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "tags:" in out
    tag_line = next(line for line in out.splitlines() if line.startswith("tags:"))
    assert tag_line == tag_line.lower() and not POLITICAL.search(tag_line)
    assert "Your memories" in out
    assert "erased all" in out
    assert out.rstrip().count("I don't remember anything about you yet.") == 1


def closed_local_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_console_chat_keeps_log_lines_out_of_the_conversation(tmp_path: Path) -> None:
    link = f"http://127.0.0.1:{closed_local_port()}/article"
    script = f"{link}\n\n   \n/quit\n"
    env = {"FETCH_ALLOW_PRIVATE": "true"}

    quiet = memorybot(tmp_path / "data", "chat", stdin=script, env=env, unset=("LOG_LEVEL",))
    assert quiet.returncode == 0, quiet.stderr
    assert "note: I couldn't read that link" in quiet.stdout
    assert "link not read" not in quiet.stdout + quiet.stderr
    assert quiet.stdout.count("bot>") == 1, "blank lines get no reply"

    asked = memorybot(tmp_path / "data2", "chat", stdin=script, env={**env, "LOG_LEVEL": "INFO"})
    assert "link not read" in asked.stderr, "an explicit LOG_LEVEL is honoured"


def test_run_without_platform_settings_is_the_console_chat(tmp_path: Path) -> None:
    done = memorybot(tmp_path / "data", "run", stdin="hello\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert "bot>" in done.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"BOT_MODEL": "gpt4"}, "BOT_MODEL"),
        ({"SLACK_BOT_TOKEN": "xoxb-123-secret-value"}, "SLACK_SIGNING_SECRET"),
        ({"DISCORD_SHARD_COUNT": "many"}, "DISCORD_SHARD_COUNT"),
    ],
)
def test_bad_settings_stop_start_up_with_a_clear_message(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    done = memorybot(tmp_path / "data", "run", stdin="", env=env)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert "secret-value" not in done.stderr + done.stdout


def test_migrate_copies_every_memory_to_another_store(tmp_path: Path) -> None:
    """The command in a subprocess; the memories before and after are read in this process (the start-up of
    six more subprocesses would prove nothing the other tests here do not)."""
    data = tmp_path / "data"
    asyncio.run(
        _say(data, ("alice", "I prefer lowercase tags and I avoid politics"), ("bob", "I like rust content"))
    )
    before = asyncio.run(_exports(data, "edge"))
    assert sum(len(document["memories"]) for document in before.values()) == 3
    done = memorybot(data, "migrate", "--to-store", "qdrant-local")
    assert done.returncode == 0, done.stderr
    assert "Copied 3 memories" in done.stdout
    assert "delete the old copy" in done.stdout and "history.db" in done.stdout  # forget cannot reach it
    after = asyncio.run(_exports(data, "qdrant-local"))
    assert {u: d["memories"] for u, d in after.items()} == {u: d["memories"] for u, d in before.items()}


async def _say(data: Path, *said: tuple[str, str]) -> None:
    from bot.types import ChatIdentity, IncomingMessage
    from memorybot.app import build_service
    from tests.conftest import make_settings

    async with build_service(make_settings(data)) as service:
        for n, (user, text) in enumerate(said):
            identity = ChatIdentity(platform="console", user=user, channel="console")
            await service.handle(IncomingMessage(identity, text, message_id=f"m{n}"))
        await service.drain()


async def _exports(data: Path, store: str) -> dict[str, Any]:
    from memorybot.app import build_service
    from tests.conftest import make_settings

    async with build_service(make_settings(data, memory_store=store)) as service:
        return {u: await service.operator_export(f"console:{u}", actor="test") for u in ("alice", "bob")}


def test_queue_shows_parked_updates_and_retries_them(tmp_path: Path) -> None:
    from state.sqlite_queue import SqliteUpdateQueue as UpdateQueue

    data = tmp_path / "data"
    queue = UpdateQueue(data / "updates.db", max_attempts=1)
    queue.enqueue("slack:m-poison", "slack:T1:U1", {"text": "x"})
    assert queue.failed("slack:m-poison", "ValueError: cannot parse") is True
    queue.close()
    shown = memorybot(data, "queue")
    assert shown.returncode == 0, shown.stderr
    assert "parked: 1" in shown.stdout
    assert "slack:m-poison" in shown.stdout and "ValueError: cannot parse" in shown.stdout
    retried = memorybot(data, "queue", "retry")
    assert "requeued 1" in retried.stdout
    assert "pending: 1  parked: 0" in memorybot(data, "queue").stdout


def test_guidance_is_read_into_preferences_and_suggestions_are_reviewed(tmp_path: Path) -> None:
    from bot.understanding.corrections import CorrectionLedger
    from bot.understanding.preferences import Preference

    data = tmp_path / "data"
    ledger = CorrectionLedger(data / "corrections.db")
    for user in ("console:a", "console:b", "console:c"):
        suggestion = ledger.record(user, Preference.from_key("tag.instead:points", "basketball"))
    ledger.close()
    assert suggestion is not None

    added = memorybot(data, "guidance", "add", "Always include a #news tag")
    assert added.returncode == 0, added.stderr
    assert "tag.always:news = news" in added.stdout
    shown = memorybot(data, "guidance", "suggestions")
    assert shown.returncode == 0, shown.stderr
    assert (
        f"{suggestion.id}  Uses the tag 'basketball' instead of 'points'  (corrected by 3 people)"
        in shown.stdout
    )
    assert "console:" not in shown.stdout  # nobody's id, nobody's words
    accepted = memorybot(data, "guidance", "accept", suggestion.id)
    assert accepted.returncode == 0 and "Accepted" in accepted.stdout
    ledger = CorrectionLedger(data / "corrections.db")
    assert ledger.suggestions() == [] and [s.status for s in ledger.suggestions(None)] == ["accepted"]
    ledger.close()

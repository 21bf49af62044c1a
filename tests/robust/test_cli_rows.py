"""Each row of issue #13's table, reproduced through the real `memorybot` commands: one clear line (or the
right behaviour), the right exit code, never a traceback."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from memorybot.cli import main
from state.sqlite_queue import SqliteUpdateQueue as UpdateQueue
from tests.robust.conftest import Cli, closed_port, one_clear_line


@pytest.mark.parametrize("command", [["ask", "--user", "c", "x"], ["memories", "--user", "c"]])
def test_an_unreachable_qdrant_server_is_named_without_its_key(cli: Cli, command: list[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = cli(*command, env={"QDRANT_URL": url, "QDRANT_API_KEY": "key-that-must-not-show"})
    assert result.exit_code == 1
    line = one_clear_line(result)
    assert f"Cannot reach the Qdrant server at QDRANT_URL={url}" in line
    assert "key-that-must-not-show" not in result.stderr + result.stdout


def test_a_qdrant_url_that_is_not_a_url_is_a_settings_error(cli: Cli) -> None:
    result = cli("memories", "--user", "c", env={"QDRANT_URL": "notaurl"})
    assert result.exit_code == 2
    assert "QDRANT_URL='notaurl' is not a URL" in one_clear_line(result)


def _regular_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a directory")
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: Path("/proc/nope"), "cannot be created"),
        (_regular_file, "is a file, not a directory"),
        (lambda tmp: _regular_file(tmp) / "data", "a part of that path is a file"),
    ],
    ids=["proc", "regular-file", "under-a-file"],
)
def test_an_unusable_data_directory_is_named(cli: Cli, tmp_path: Path, make: object, expected: str) -> None:
    cli.data_dir = make(tmp_path)  # type: ignore[operator]
    result = cli("ask", "--user", "c", "hello")
    assert result.exit_code == 2
    line = one_clear_line(result)
    assert f"MEMORYBOT_DATA_DIR={cli.data_dir}" in line and expected in line


def test_a_data_directory_this_user_cannot_write_is_named(cli: Cli, tmp_path: Path) -> None:
    """As an unprivileged user (root writes through permission bits): a forked child drops to `nobody`."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become another user")
    locked = tmp_path / "root-only"
    locked.mkdir(mode=0o755)
    # `nobody` must reach the directory to be refused by it: let it through the (root-only) parents.
    parents = [p for p in locked.parents if p != Path("/")][:4]
    modes = {p: p.stat().st_mode & 0o7777 for p in parents}
    for parent in parents:
        parent.chmod(modes[parent] | 0o111)
    cli.data_dir = locked
    try:
        exit_code, stderr, stdout = _as_nobody(cli)
    finally:
        for parent, mode in modes.items():
            parent.chmod(mode)
    assert exit_code == 2, stderr
    assert "Traceback" not in stderr + stdout
    assert f"MEMORYBOT_DATA_DIR={locked} is not writable (Permission denied)" in stderr.strip()


def _as_nobody(cli: Cli) -> tuple[int, str, str]:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.setgid(65534)
            os.setuid(65534)
            result = cli("memories", "--user", "c")
            os.write(write, json.dumps([result.exit_code, result.stderr, result.stdout]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        exit_code, stderr, stdout = json.loads(pipe.read() or '[-1, "the child died", ""]')
    os.waitpid(child, 0)
    return exit_code, stderr, stdout


@pytest.mark.parametrize(
    "command",
    [
        ["ask", "--user", "", "hi"],
        ["chat", "--user", "  "],
        ["memories", "--user", ""],
        ["forget", "--user-id", "", "--all"],
    ],
)
def test_an_empty_user_is_a_usage_error(cli: Cli, command: list[str]) -> None:
    result = cli(*command)
    assert result.exit_code == 2
    assert "needs" in one_clear_line(result)


def test_arguments_that_are_not_utf8_are_read_as_text(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`memorybot ask "$(head -c 300 /bin/ls)"`: Python hands undecodable bytes over as lone surrogates."""
    garbage = os.fsdecode(Path(sys.executable).resolve().read_bytes()[:300].replace(b"\0", b""))
    assert any(0xDC80 <= ord(ch) <= 0xDCFF for ch in garbage)
    monkeypatch.setenv("MEMORYBOT_DATA_DIR", str(cli.data_dir))
    monkeypatch.setattr(sys, "argv", ["memorybot", "ask", "--user", "c\udcff", "--json", garbage])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    assert exited.value.code == 0, captured.err
    assert json.loads(captured.out)["reply"]
    assert "Traceback" not in captured.err


def test_short_ids_work_wherever_full_ids_do(cli: Cli) -> None:
    assert cli("ask", "--user", "carol", "I prefer lowercase tags").exit_code == 0
    listed = json.loads(cli("memories", "--user", "carol", "--json").stdout)
    memory_id = listed["memories"][0]["id"]
    shown = cli("memories", "--user", "carol")
    assert memory_id[:8] in shown.stdout and memory_id not in shown.stdout, "the listing shows short ids"

    missing = cli("forget", "--user", "carol", "--id", "ffffffff")
    assert missing.exit_code == 1 and "No memory ffffffff" in one_clear_line(missing)
    forgot = cli("forget", "--user", "carol", "--id", memory_id[:8])
    assert forgot.exit_code == 0, forgot.stderr
    assert json.loads(cli("memories", "--user", "carol", "--json").stdout)["count"] == 0

    added = cli("guidance", "add", "Prefers singular tags")
    guidance_id = re.search(r"Added ([0-9a-f-]{36})", added.stdout).group(1)  # type: ignore[union-attr]
    assert cli("guidance", "remove", guidance_id[:8]).exit_code == 0
    assert "No guidance yet" in cli("guidance", "list").stdout


def test_empty_lists_say_so(cli: Cli) -> None:
    assert "No guidance yet" in cli("guidance", "list").stdout
    assert "remembers nothing about console:nobody" in cli("memories", "--user", "nobody").stdout
    queue = cli("queue")
    assert "pending: 0  parked: 0" in queue.stdout and "No update is parked" in queue.stdout


def test_queue_retry_of_an_unknown_key_fails_clearly(cli: Cli) -> None:
    result = cli("queue", "retry", "nosuchkey")
    assert result.exit_code == 1
    assert "No parked update has the key 'nosuchkey'" in one_clear_line(result)
    nothing = cli("queue", "retry")
    assert nothing.exit_code == 0 and "Nothing is parked" in nothing.stdout

    queue = UpdateQueue(cli.data_dir / "updates.db", max_attempts=1)
    queue.enqueue("slack:m1", "slack:T1:U1", {"text": "x"})
    queue.failed("slack:m1", "boom")
    queue.close()
    assert "requeued 1" in cli("queue", "retry", "slack:m1").stdout


def test_migrate_names_the_real_problem(cli: Cli) -> None:
    result = cli("migrate", "--to-store", "nope")
    assert result.exit_code == 2
    assert "--to-store must be edge, qdrant-local or pgvector, not 'nope'" in one_clear_line(result)
    both = cli("migrate", "--to-store", "edge", "--to-url", "http://localhost:6333")
    assert both.exit_code == 2 and "exactly one" in one_clear_line(both)


def test_slash_text_is_answered_as_a_command_never_tagged_or_stored(cli: Cli) -> None:
    for text, expected in (
        ("/foo", "I don't know the command /foo"),
        ("/forget all", "/forget is a command"),
    ):
        result = cli("ask", "--user", "dave", "--json", text)
        reply = json.loads(result.stdout)
        assert expected in reply["reply"] and "/help" in reply["reply"]
        assert reply["tags"] == []
    assert json.loads(cli("memories", "--user", "dave", "--json").stdout)["count"] == 0
    queue = UpdateQueue(cli.data_dir / "updates.db")
    assert queue.pending_count() == 0 and queue.due() == []
    queue.close()
    # Paths and subreddits are ordinary text.
    assert json.loads(cli("ask", "--user", "dave", "--json", "/r/python has good rust threads").stdout)[
        "tags"
    ]


def test_log_lines_stay_off_the_terminal_unless_asked(cli: Cli) -> None:
    link = f"http://127.0.0.1:{closed_port()}/article"
    env = {"FETCH_ALLOW_PRIVATE": "true"}
    quiet = cli("ask", "--user", "erin", link, env=env)
    assert quiet.exit_code == 0
    assert "link not read" not in quiet.stdout + quiet.stderr
    assert "note: I couldn't read that link" in quiet.stdout
    asked = cli("ask", "--user", "erin", link, env={**env, "LOG_LEVEL": "INFO"})
    assert "link not read" in asked.stderr and "link not read" not in asked.stdout


def test_memories_at_80_columns_keep_ids_whole(cli: Cli) -> None:
    long = "I prefer lowercase tags " + "and I really like reading about rust compilers " * 4
    assert cli("ask", "--user", "fay", long).exit_code == 0
    ids = [m["id"][:8] for m in json.loads(cli("memories", "--user", "fay", "--json").stdout)["memories"]]
    shown = cli("memories", "--user", "fay").stdout
    assert all(len(line) <= 80 for line in shown.splitlines()), shown
    assert all(any(short in line for line in shown.splitlines()) for short in ids), shown


@pytest.mark.parametrize(
    "command", [[], ["ask"], ["memories"], ["forget"], ["migrate"], ["queue"], ["guidance"], ["chat"]]
)
def test_help_is_readable_at_80_columns(cli: Cli, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() and all(len(line) <= 80 for line in result.stdout.splitlines())

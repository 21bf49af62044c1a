"""`memorybot status` in process (typer's CliRunner): the embedded data directory (its queue, and whether a
process holds its store) and PostgreSQL (the shared queue and the live workers, as the real queue leaves
them)."""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memorybot.cli import app
from state.pg_queue import PostgresUpdateQueue
from state.postgres import migrate
from state.sqlite_queue import SqliteUpdateQueue
from state.status import worker_app_name


def status(data_dir: Path, *args: str, **env: str) -> Any:
    return CliRunner().invoke(
        app, ["status", *args], env={"MEMORYBOT_DATA_DIR": str(data_dir), "COLUMNS": "200", **env}
    )


def status_json(data_dir: Path, **env: str) -> dict[str, Any]:
    result = status(data_dir, "--json", **env)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    return document


def test_embedded_queue_and_the_process_holding_the_store(data_dir: Path) -> None:
    queue = SqliteUpdateQueue(data_dir / "updates.db", max_attempts=1)
    queue.enqueue("k1", "console:alice", {"text": "hello"})
    queue.enqueue("k2", "console:bob", {"text": "hi"})
    queue.failed("k2", "boom")  # one attempt allowed: parked
    queue.close()

    document = status_json(data_dir)
    assert document["store"]["kind"] == "edge"
    assert document["queue"]["kind"] == "embedded"
    assert (document["queue"]["pending"], document["queue"]["parked"]) == (1, 1)
    assert document["queue"]["oldest_pending_s"] is not None and document["queue"]["oldest_pending_s"] >= 0
    assert document["workers"] is None
    assert document["data_dir_in_use"] == []

    # A store opened as `memorybot run` opens it: the status sees who holds it, and still answers.
    from memory.edge_store import EdgeVectorStore

    store = EdgeVectorStore(data_dir / "edge", "memorybot", 8)
    try:
        assert status_json(data_dir)["data_dir_in_use"] == [os.getpid()]
        shown = status(data_dir)
        assert shown.exit_code == 0, shown.output
        assert f"in use by pid {os.getpid()}" in shown.output
        assert re.search(r"pending\s+1\b", shown.output) and re.search(r"parked\s+1\b", shown.output)
    finally:
        store.close()
    assert status_json(data_dir)["data_dir_in_use"] == []


def test_a_data_directory_nothing_ever_used(data_dir: Path) -> None:
    result = status(data_dir)
    assert result.exit_code == 0, result.output
    assert "not in use" in result.output
    assert not (data_dir / "updates.db").exists()  # a status creates no queue


def test_postgres_queue_and_live_workers(
    data_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = database_url
    with_password = _with_password(url, "s3cret-password")  # the test server trusts loopback: only to hide

    before = status_json(data_dir, DATABASE_URL=with_password)
    assert before["queue"]["kind"] == "postgresql"
    assert before["queue"]["schema_version"] is None  # nothing migrated: status never does it
    assert before["workers"] == []

    migrate(url)
    # As `memorybot run` names its sessions (for the process's lifetime: the pool connects in the background).
    monkeypatch.setenv("PGAPPNAME", worker_app_name(pid=4242, host="pod-a"))
    worker = PostgresUpdateQueue(url)
    try:
        for n in range(3):
            worker.enqueue(f"k{n}", f"slack:T1:U{n}", {"text": "hi"})
        claimed = worker.due(limit=2)
        assert len(claimed) == 2

        document = status_json(data_dir, DATABASE_URL=with_password)
        assert document["queue"]["pending"] == 3
        assert document["queue"]["parked"] == 0
        assert document["queue"]["schema_version"] >= 1
        assert document["data_dir_in_use"] == []  # the embedded store is not the one in use
        [shown] = document["workers"]
        assert (shown["pid"], shown["host"], shown["claimed"]) == (4242, "pod-a", 2)
        assert shown["connections"] >= 1
        assert shown["started"]

        table = status(data_dir, DATABASE_URL=with_password)
        assert table.exit_code == 0, table.output
        assert "Workers (1)" in table.output and "pod-a" in table.output
        for output in (table.output, json.dumps(document)):
            assert "s3cret-password" not in output
    finally:
        worker.close()


def test_an_unreachable_database_is_one_line_and_exit_1(data_dir: Path) -> None:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        result = status(data_dir, DATABASE_URL=f"postgresql://bot:s3cret@127.0.0.1:{port}/memorybot")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "does not answer" in lines[0], result.output
    assert "Traceback" not in result.output and "s3cret" not in result.output


def _with_password(url: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    user, at, host = rest.partition("@")
    return f"{scheme}://{user}:{password}@{host}" if at else url

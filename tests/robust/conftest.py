"""The command line in process (typer's CliRunner): each call is a real `memorybot` command on a real store,
without the 25 s a subprocess spends loading the embedder."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from memorybot.cli import app


@dataclass
class Cli:
    data_dir: Path
    columns: int = 80

    def __call__(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        full_env = {"MEMORYBOT_DATA_DIR": str(self.data_dir), "COLUMNS": str(self.columns)}
        full_env.update(env or {})
        root = logging.getLogger()
        saved = root.handlers[:], root.level
        try:
            return CliRunner().invoke(app, list(args), env=full_env, input=input)
        finally:
            # The command configured logging onto the runner's (now closed) stderr: put pytest's back.
            root.handlers[:], level = saved
            root.setLevel(level)


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    yield Cli(tmp_path / "data")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def one_clear_line(result: Result) -> str:
    """The error output of a failed command: exactly one line, no traceback."""
    text = result.stderr.strip()
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert len(text.splitlines()) == 1, text
    return text


def last_line(result: Result) -> str:
    """A serving command logs at INFO (an operator's log) before failing: its error is the last line."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.stderr.strip().splitlines()[-1]

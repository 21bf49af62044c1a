"""The shared boundary: known faults become their one line and exit code; anything else is an apology on the
terminal and a traceback in `errors.log`."""

from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.errors import EXIT_FAULT, EXIT_INTERRUPTED, EXIT_USAGE, SettingsError, explain
from bot.logs import configure_logging
from memory.store import MemoryUnavailable
from memorybot.cli_guard import GuardedGroup
from tests.conftest import make_settings


def _app_raising(exc: BaseException) -> typer.Typer:
    app = typer.Typer(cls=GuardedGroup, pretty_exceptions_enable=False)

    @app.command()
    def boom() -> None:
        raise exc

    @app.command()
    def fine() -> None:
        print("fine")

    return app


def test_an_unexpected_fault_is_an_apology_and_its_traceback_goes_to_the_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        result = CliRunner().invoke(
            _app_raising(ZeroDivisionError("deep inside")), ["boom"], catch_exceptions=False
        )
        assert result.exit_code == EXIT_FAULT
        assert "unexpected error (ZeroDivisionError)" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout

        configure_logging(make_settings(data), terminal=True)
        result = CliRunner().invoke(_app_raising(ZeroDivisionError("deep inside")), ["boom"])
        assert result.stderr.strip().endswith(
            f"The details are in {data / 'errors.log'}; please report them."
        )
        assert len(result.stderr.strip().splitlines()) == 1
        logged = (data / "errors.log").read_text()
        assert "Traceback" in logged and "ZeroDivisionError: deep inside" in logged
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (SettingsError("BOT_MODEL: use offline"), EXIT_USAGE, "BOT_MODEL"),
        (KeyboardInterrupt(), EXIT_INTERRUPTED, "Interrupted"),
        (OSError(errno.ENOSPC, "No space left on device"), EXIT_FAULT, "full"),
        (sqlite3.OperationalError("database or disk is full"), EXIT_FAULT, "full"),
        (sqlite3.OperationalError("database is locked"), EXIT_FAULT, "locked"),
        (sqlite3.DatabaseError("file is not a database"), EXIT_FAULT, "damaged"),
        (PermissionError(errno.EACCES, "Permission denied", "/x/edge/memorybot.lock"), EXIT_USAGE, "lock"),
        (MemoryUnavailable("Connection refused"), EXIT_FAULT, "memory store is unavailable"),
    ],
)
def test_known_faults_are_one_line_with_their_exit_code(exc: BaseException, code: int, words: str) -> None:
    result = CliRunner().invoke(_app_raising(exc), ["boom"], catch_exceptions=False)
    assert result.exit_code == code
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert explain(exc).expected


def test_usage_errors_are_still_typers_own() -> None:
    result = CliRunner().invoke(_app_raising(ValueError()), ["nosuchcommand"])
    assert result.exit_code == 2 and "No such command" in result.stderr

"""The commands here run in process (typer's CliRunner), and every command configures logging for the
terminal it was given: put the root logger back afterwards, so that no later test logs to a closed stream."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

import bot.logs


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    errors = bot.logs._errors_log, bot.logs._errors_handler
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    bot.logs._errors_log, bot.logs._errors_handler = errors

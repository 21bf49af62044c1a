"""The error boundary of every `memorybot` command: one line on stderr and an exit code, never a traceback.

It sits in the command group's `invoke`, so every command and sub-command (queue, guidance, bench) is inside
it without a try/except of its own; the wording comes from `bot.errors.explain`.
"""

from __future__ import annotations

from typing import Any, NoReturn

import typer
import typer.core
from rich.console import Console
from typer import _click
from typer.exceptions import TyperException

from bot.errors import explain
from bot.text import without_surrogates

err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(exc: BaseException, where: str) -> NoReturn:
    """Tell the person what failed and what to do, then exit with the code `explain` chose."""
    explained = explain(exc)
    message = explained.message
    if not explained.expected:
        from bot.logs import record_unexpected

        details = record_unexpected(exc, where)
        message += (
            f" The details are in {details}; please report them."
            if details
            else " Run it again with LOG_LEVEL=DEBUG to see the details."
        )
    err.print(message, markup=False)
    raise typer.Exit(explained.exit_code)


class GuardedGroup(typer.core.TyperGroup):
    """Typer's command group with the boundary around whatever sub-command runs."""

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # already a clean exit, or a usage message typer prints itself
        except (Exception, KeyboardInterrupt) as exc:
            fail(exc, ctx.invoked_subcommand or ctx.info_name or "memorybot")


def clean_argv(argv: list[str]) -> list[str]:
    """Arguments as valid text: bytes that are not UTF-8 arrive as lone surrogates, which no file, database
    or terminal can encode. They become U+FFFD, as a text editor shows them."""
    return [without_surrogates(arg) for arg in argv]

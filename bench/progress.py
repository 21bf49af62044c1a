"""Progress for long benchmark steps: rich bars on a terminal, one timestamped line per step otherwise.

Rich draws nothing until the end when stderr is a file or a pipe (CI logs, `2> run.log`), which leaves a
20-minute run silent; there each step announces itself instead.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["new_progress", "start_step"]


def new_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def start_step(progress: Progress, description: str, total: int) -> TaskID:
    """A new bar, announced on a line of its own when nothing would draw it."""
    if not progress.console.is_terminal:
        progress.console.print(f"{time.strftime('%H:%M:%S')} {description}", markup=False, highlight=False)
    return progress.add_task(description, total=total)

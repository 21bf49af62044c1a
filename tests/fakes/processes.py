"""Ending a `memorybot run` subprocess the way an operator would: Ctrl-C, then a kill if it hangs."""

from __future__ import annotations

import asyncio
import signal


async def interrupt(process: asyncio.subprocess.Process, *, grace_s: float = 30) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), grace_s)
    except TimeoutError:
        process.kill()
        await process.wait()

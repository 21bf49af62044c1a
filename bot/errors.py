"""One error base for the core, and the one place that turns any fault into a line a person can act on.

Every entry point (each CLI command, the console chat, the adapters' handlers, the update worker) passes what
it catches through `explain`: a known fault becomes one sentence naming what failed and what to do, with the
exit code scripts can rely on; anything else is an `Unexpected` fault, logged with its traceback and shown to
the person only as a short apology. User-visible wording for chat replies lives in `bot.messages`.
"""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass

EXIT_FAULT = 1
"""A fault at run time (a server down, a disk full, a damaged file): trying again later may work."""
EXIT_USAGE = 2
"""A wrong argument or setting: it will fail the same way until it is changed."""
EXIT_IN_USE = 3
"""Another memorybot process is using the data directory."""
EXIT_INTERRUPTED = 130
"""Stopped with Ctrl-C while working (at the chat prompt, Ctrl-C is a normal way out: exit 0)."""


class MemorybotError(Exception):
    """Base of every error memorybot raises on purpose; its message is the whole line a person reads."""

    exit_code = EXIT_FAULT


class SettingsError(MemorybotError):
    """A setting is missing or malformed; the message says which and how to fix it."""

    exit_code = EXIT_USAGE


class UsageError(MemorybotError):
    """A command-line argument cannot work as given."""

    exit_code = EXIT_USAGE


class DataDirError(SettingsError):
    """`MEMORYBOT_DATA_DIR` is not a directory memorybot can write to."""


class ServiceUnreachable(MemorybotError):
    """A server memorybot needs (a Qdrant server, Slack, Discord) did not answer; it may come back."""


class NotFound(MemorybotError):
    """The thing a command names does not exist (a memory id, a queued update's key)."""


class RateLimited(MemorybotError):
    """The user sent too many messages in the current window."""


@dataclass(frozen=True, slots=True)
class Explained:
    """What a person is told about a fault, and whether it was one we expected."""

    message: str
    exit_code: int
    expected: bool = True


APOLOGY = "Sorry, memorybot hit an unexpected error ({name})."


def explain(exc: BaseException) -> Explained:
    """The line to show for `exc`. `expected` is False for faults nobody anticipated: log their traceback."""
    if isinstance(exc, MemorybotError):
        return Explained(str(exc), exc.exit_code)
    if isinstance(exc, KeyboardInterrupt):
        return Explained("Interrupted.", EXIT_INTERRUPTED)
    in_use = _store_locked(exc)
    if in_use is not None:
        return in_use
    if isinstance(exc, sqlite3.DatabaseError):
        return _sqlite(exc)
    if isinstance(exc, OSError):
        return _os_error(exc)
    if _is_memory_unavailable(exc):
        return Explained(
            f"The memory store is unavailable ({_short(exc)}). Check that it is running and reachable, "
            "then try again; queued memory updates are kept and applied once it is back.",
            EXIT_FAULT,
        )
    return Explained(APOLOGY.format(name=type(exc).__name__), EXIT_FAULT, expected=False)


def _store_locked(exc: BaseException) -> Explained | None:
    from memory.edge.shards import StoreLocked
    from memory.store_meta import EmbedderMismatch

    if isinstance(exc, StoreLocked | EmbedderMismatch):
        return Explained(f"memorybot cannot start: {exc}", EXIT_IN_USE)
    return None


def _is_memory_unavailable(exc: BaseException) -> bool:
    from memory.store import MemoryUnavailable

    return isinstance(exc, MemoryUnavailable)


def _sqlite(exc: sqlite3.DatabaseError) -> Explained:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return Explained(
            "A memorybot database is locked by another program. Close it (or stop the other memorybot) "
            "and try again.",
            EXIT_FAULT,
        )
    if "full" in text:
        return Explained(_DISK_FULL, EXIT_FAULT)
    if "readonly" in text or "read-only" in text:
        return Explained(
            "A memorybot database is read-only. Make MEMORYBOT_DATA_DIR and its files writable by this user.",
            EXIT_FAULT,
        )
    return Explained(
        f"A memorybot database in MEMORYBOT_DATA_DIR is damaged ({exc}). Move the damaged file aside "
        "(see the README, 'Where memories live') and start again.",
        EXIT_FAULT,
    )


_DISK_FULL = (
    "The disk holding MEMORYBOT_DATA_DIR is full. Free some space and try again; nothing was half-written."
)


def _os_error(exc: OSError) -> Explained:
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return Explained(_DISK_FULL, EXIT_FAULT)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Explained(
            f"Permission denied{where}. Make MEMORYBOT_DATA_DIR writable by this user, or point it "
            "elsewhere.",
            EXIT_USAGE,
        )
    if exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT):
        return Explained(f"A server did not answer ({_short(exc)}). Check that it is running.", EXIT_FAULT)
    return Explained(f"A file operation failed{where}: {exc.strerror or _short(exc)}.", EXIT_FAULT)


def _short(exc: BaseException, limit: int = 160) -> str:
    """The exception's own message on one line, without the chained wall of text some libraries produce."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"

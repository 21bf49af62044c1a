"""The durable queue of memory updates: what every implementation promises, and its job types.

The update after a reply is written to the queue *before* the reply goes out, so a crash between the two
loses nothing. The key (platform + message id) makes a redelivered message a no-op. A job that keeps failing
is parked with its error instead of being retried forever. Finished jobs keep only their key (no text), and
a user's rows are purged when they forget everything.

Methods are synchronous (callers run them in a thread): the embedded SQLite queue is, and the PostgreSQL one
keeps the same shape so that the update worker does not care which it has.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Job:
    key: str
    user_id: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class ParkedJob:
    key: str
    user_id: str
    attempts: int
    error: str
    created_at: float


class UpdateQueue(Protocol):
    max_attempts: int

    def enqueue(self, key: str, user_id: str, payload: dict[str, Any]) -> bool:
        """Store a job; False when this key was seen before (a retried delivery), or when the person erased
        everything after the message arrived (`payload["received_at"]`, epoch seconds): an answer that was
        still being worked out during a forget-all must not bring back what it forgot."""
        ...

    def due(self, *, limit: int = 64, exclude: set[str] | frozenset[str] = frozenset()) -> list[Job]:
        """Jobs this process should apply now (with several workers: claimed for this one)."""
        ...

    def next_due_in(self) -> float | None:
        """Seconds until the next `due` may return something (0: now); None when nothing is pending."""
        ...

    def done(self, key: str) -> None: ...

    def failed(self, key: str, error: str, *, transient: bool = False) -> bool:
        """Record a failure; True when the job is now parked. A `transient` failure (the memory store is
        down) is retried with the growing delay but never parked."""
        ...

    @property
    def holding(self) -> int:
        """Jobs waiting in memory for the queue's storage to accept writes again."""
        ...

    def is_pending(self, key: str) -> bool:
        """Checked under the user's lock just before applying: a forget-all may have purged the job."""
        ...

    def has_due(self, user_id: str) -> bool:
        """A job of this person is due or being applied (by any worker): what a new message waits for."""
        ...

    def pending_count(self) -> int: ...

    def parked(self) -> list[ParkedJob]: ...

    def retry(self, key: str | None = None) -> int:
        """Move parked jobs (one, or all) back to pending; returns how many."""
        ...

    def checkpoint(self) -> None:
        """Let applied jobs' text leave the storage now (after a retention expiry)."""
        ...

    def drop_older(self, before: float, user_id: str | None = None) -> int:
        """Remove jobs not yet applied (pending or parked) that were queued before `before` (epoch seconds),
        of one person or of everyone: a retention expiry reaches the text still waiting in the queue."""
        ...

    def purge_user(self, user_id: str) -> int:
        """Remove every job of a user, pending ones too (they hold the text they asked us to forget), and
        record the erasure (a hash of the id and the time) for `enqueue`."""
        ...

    def close(self) -> None: ...


def erasure_key(user_id: str) -> str:
    """What an erasure record keeps of the person: a hash, so the record itself names no one."""
    return hashlib.sha256(user_id.encode()).hexdigest()


def received_at(payload: dict[str, Any]) -> float | None:
    value = payload.get("received_at")
    return float(value) if isinstance(value, int | float) else None


ERROR_CHARS = 500
"""How much of a failure's message a job keeps (for `memorybot queue`)."""


def after_failure(
    attempts: int, *, max_attempts: int, base_delay_s: float, max_delay_s: float, transient: bool
) -> tuple[int, float | None]:
    """A job's attempt count after one more failure, and how long until it is tried again (None: park it).

    The one retry policy of every queue: a growing delay, parking after `max_attempts`, except for a
    `transient` failure (the memory store is down), which is retried for as long as it takes.
    """
    attempts += 1
    if transient:
        attempts = min(attempts, max_attempts - 1)
    elif attempts >= max_attempts:
        return attempts, None
    return attempts, min(max_delay_s, base_delay_s * 2 ** max(attempts - 1, 0))

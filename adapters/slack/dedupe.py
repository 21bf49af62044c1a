"""A bounded, expiring set of recently seen keys.

Slack redelivers an event (same `event_id`, with `x-slack-retry-num`) when our ack was slow or lost, and
Bolt passes every delivery on; this is the guard that lets each one through once. The same structure
remembers the threads the bot was mentioned in. Both must stay bounded in a long-running process, hence the
size cap and the TTL.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class RecentKeys:
    """Keys seen within the last `ttl_s` seconds, at most `max_size` of them (oldest evicted first)."""

    def __init__(self, *, max_size: int, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._max_size = max_size
        self._ttl_s = ttl_s
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """Record `key`; True when it was not seen within the TTL (the caller should handle it)."""
        self._expire()
        if key in self._seen:
            return False
        self._remember(key)
        return True

    def touch(self, key: str) -> None:
        """Record `key` and restart its TTL."""
        self._expire()
        self._seen.pop(key, None)
        self._remember(key)

    def __contains__(self, key: object) -> bool:
        self._expire()
        return key in self._seen

    def __len__(self) -> int:
        self._expire()
        return len(self._seen)

    def _remember(self, key: str) -> None:
        self._seen[key] = self._clock() + self._ttl_s
        while len(self._seen) > self._max_size:
            self._seen.popitem(last=False)

    def _expire(self) -> None:
        now = self._clock()
        # Insertion order is expiry order, because touch() re-inserts at the end.
        while self._seen:
            key, expires = next(iter(self._seen.items()))
            if expires > now:
                break
            del self._seen[key]

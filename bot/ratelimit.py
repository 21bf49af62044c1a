"""Per-user sliding-window rate limit, so one chatty user (or a bot loop) cannot starve the others."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self, per_minute: int, *, clock: Callable[[], float] = time.monotonic, max_users: int = 50_000
    ):
        self._limit = per_minute
        self._clock = clock
        self._max_users = max_users
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, key: str) -> float:
        """Record one message; return 0 when allowed, else the seconds to wait."""
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        self._hits.move_to_end(key)
        while hits and now - hits[0] >= 60.0:
            hits.popleft()
        if len(hits) >= self._limit:
            return max(0.0, 60.0 - (now - hits[0]))
        hits.append(now)
        while len(self._hits) > self._max_users:
            self._hits.popitem(last=False)
        return 0.0

"""Bounded, expiring sets of recently seen keys: in process, or shared by every worker in PostgreSQL.

Slack redelivers an event (same `event_id`, with `x-slack-retry-num`) when our ack was slow or lost, and
Bolt passes every delivery on; the retry guard lets each one through once — on whichever worker it lands when
the set is shared. The same structure remembers the threads the bot was mentioned in. Both must stay bounded
in a long-running process, hence the size cap and the TTL (in PostgreSQL: the TTL, and a periodic sweep).
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from psycopg_pool import AsyncConnectionPool

_SWEEP_EVERY = 500
"""Expired rows are deleted every this many writes (of one worker)."""


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


class SharedKeys(Protocol):
    """What the Slack adapter uses: the retry guard and the thread cache."""

    async def first_time(self, key: str) -> bool:
        """Record `key`; True when it was not seen within the TTL (the caller should handle it)."""
        ...

    async def touch(self, key: str) -> None:
        """Record `key` and restart its TTL."""
        ...

    async def contains(self, key: str) -> bool: ...


RecentKeysFactory = Callable[[str, int, float], SharedKeys]
"""`factory(namespace, max_size, ttl_s)`: one set of keys; namespaces keep sets apart in a shared store."""


class LocalKeys:
    """`SharedKeys` in this process only."""

    def __init__(self, *, max_size: int, ttl_s: float) -> None:
        self._keys = RecentKeys(max_size=max_size, ttl_s=ttl_s)

    async def first_time(self, key: str) -> bool:
        return self._keys.first_time(key)

    async def touch(self, key: str) -> None:
        self._keys.touch(key)

    async def contains(self, key: str) -> bool:
        return key in self._keys


def local_recent_keys(namespace: str, max_size: int, ttl_s: float) -> SharedKeys:
    return LocalKeys(max_size=max_size, ttl_s=ttl_s)


class PostgresRecentKeys:
    """Key sets every worker shares (table `mb_recent_keys`); `factory` is a `RecentKeysFactory`."""

    def __init__(self, url: str, *, pool_size: int = 4) -> None:
        self._pool = AsyncConnectionPool(
            url, min_size=1, max_size=pool_size, kwargs={"autocommit": True}, open=False
        )
        self._writes = itertools.count(1)

    async def open(self) -> None:
        await self._pool.open()

    async def close(self) -> None:
        await self._pool.close()

    def factory(self, namespace: str, max_size: int, ttl_s: float) -> SharedKeys:
        return _PostgresKeys(self, namespace, ttl_s)

    async def write(self, namespace: str, key: str, ttl_s: float, *, only_if_new: bool) -> bool:
        condition = "WHERE mb_recent_keys.expires_at <= now()" if only_if_new else ""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO mb_recent_keys (namespace, key, expires_at) "
                "VALUES (%s, %s, now() + make_interval(secs => %s)) "
                "ON CONFLICT (namespace, key) DO UPDATE SET expires_at = EXCLUDED.expires_at "
                f"{condition} RETURNING 1",
                (namespace, key, ttl_s),
            )
            fresh = await cur.fetchone() is not None
            if next(self._writes) % _SWEEP_EVERY == 0:
                await conn.execute("DELETE FROM mb_recent_keys WHERE expires_at <= now()")
        return fresh

    async def contains(self, namespace: str, key: str) -> bool:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT 1 FROM mb_recent_keys WHERE namespace = %s AND key = %s AND expires_at > now()",
                (namespace, key),
            )
            return await cur.fetchone() is not None


class _PostgresKeys:
    def __init__(self, store: PostgresRecentKeys, namespace: str, ttl_s: float) -> None:
        self._store = store
        self._namespace = namespace
        self._ttl_s = ttl_s

    async def first_time(self, key: str) -> bool:
        return await self._store.write(self._namespace, key, self._ttl_s, only_if_new=True)

    async def touch(self, key: str) -> None:
        await self._store.write(self._namespace, key, self._ttl_s, only_if_new=False)

    async def contains(self, key: str) -> bool:
        return await self._store.contains(self._namespace, key)

"""The same link shared twice is fetched once; entries expire, size is bounded, failures kept briefly."""

from __future__ import annotations

import asyncio

from bot.links import LinkError, LinkInfo
from bot.links.cache import TTLCache
from bot.settings import Settings
from tests.bot.links.conftest import MakeReader
from tests.fakes.web import FakeWeb


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ttl_cache_expires_and_evicts_least_recently_used() -> None:
    clock = FakeClock()
    cache: TTLCache[str] = TTLCache(2, clock=clock)
    cache.put("a", "A", 10)
    cache.put("b", "B", 10)
    assert cache.get("a") == "A"  # "a" is now the most recently used
    cache.put("c", "C", 10)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")

    clock.now += 10
    assert (cache.get("a"), cache.get("c"), len(cache)) == (None, None, 0)


def test_ttl_cache_of_size_zero_or_ttl_zero_keeps_nothing() -> None:
    off: TTLCache[str] = TTLCache(0)
    off.put("a", "A", 10)
    on: TTLCache[str] = TTLCache(5)
    on.put("a", "A", 0)

    assert (off.get("a"), on.get("a")) == (None, None)


async def test_same_link_twice_is_fetched_once(web: FakeWeb, make_reader: MakeReader) -> None:
    reader = make_reader()
    url = web.url("/article")
    same_link_spelled_differently = f"HTTP://127.0.0.1:{web.ports['127.0.0.1']}/article#comments"

    first = await reader.read(url)
    second = await reader.read(same_link_spelled_differently)

    assert isinstance(first, LinkInfo) and isinstance(second, LinkInfo)
    assert second.title == first.title
    assert second.url == same_link_spelled_differently
    assert web.paths() == ["/article"]


async def test_concurrent_reads_of_one_link_share_the_fetch(web: FakeWeb, make_reader: MakeReader) -> None:
    reader = make_reader()

    results = await asyncio.gather(*(reader.read(web.url("/article")) for _ in range(5)))

    assert all(isinstance(r, LinkInfo) for r in results)
    assert web.paths() == ["/article"]


async def test_entries_expire_after_the_ttl(
    web: FakeWeb, make_reader: MakeReader, private_settings: Settings
) -> None:
    clock = FakeClock()
    reader = make_reader(private_settings.model_copy(update={"fetch_cache_ttl_s": 60.0}), clock=clock)

    await reader.read(web.url("/article"))
    clock.now += 59
    await reader.read(web.url("/article"))
    clock.now += 2
    await reader.read(web.url("/article"))

    assert web.paths() == ["/article", "/article"]


async def test_cache_size_bounds_what_is_kept(
    web: FakeWeb, make_reader: MakeReader, private_settings: Settings
) -> None:
    reader = make_reader(private_settings.model_copy(update={"fetch_cache_size": 1}))

    for path in ("/article", "/bare", "/bare", "/article"):
        await reader.read(web.url(path))

    assert web.paths() == ["/article", "/bare", "/article"]


async def test_failures_are_remembered_briefly(web: FakeWeb, make_reader: MakeReader) -> None:
    clock = FakeClock()
    reader = make_reader(clock=clock, failure_ttl_s=30.0)

    first = await reader.read(web.url("/gone"))
    again = await reader.read(web.url("/gone"))
    clock.now += 31
    later = await reader.read(web.url("/gone"))

    assert [r.reason for r in (first, again, later) if isinstance(r, LinkError)] == ["http_status"] * 3
    assert web.paths() == ["/gone", "/gone"]

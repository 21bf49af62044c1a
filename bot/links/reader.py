"""`LinkReader`: a URL in, a `LinkInfo` (or a friendly `LinkError`) out, each link fetched once a while."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

import httpx

from bot.links import messages
from bot.links.cache import TTLCache
from bot.links.fetch import Fetcher, FetchFailed
from bot.links.guard import AddressPolicy, BadScheme, BadUrl, parse_url
from bot.links.page import parse_html
from bot.links.transport import Resolver, system_resolver
from bot.links.types import LinkError, LinkInfo
from bot.links.urls import find_urls, normalise_url
from bot.links.youtube import OEMBED_URL, PAGE_URL, YouTubeReader, video_id

logger = logging.getLogger(__name__)

FAILURE_TTL_S = 30.0
"""How long a failed link is remembered.

Long enough that a link pasted into several channels, or re-sent in a hurry, does not cost another
five-second timeout or hammer a site that is down (the bot must not become a way to make many requests
to one host); short enough that a site that comes back, or a typo the user fixes, is read again within
half a minute. Refusals that need no network (scheme, IP literal) are cheap either way.
"""


class LinkSettings(Protocol):
    """The part of `bot.settings.Settings` the reader uses."""

    @property
    def fetch_allow_private(self) -> bool: ...
    @property
    def fetch_timeout_s(self) -> float: ...
    @property
    def fetch_max_bytes(self) -> int: ...
    @property
    def fetch_cache_ttl_s(self) -> float: ...
    @property
    def fetch_cache_size(self) -> int: ...


class LinkReader:
    """Reads links safely and remembers the answers; one per process, closed with `aclose()`.

    Args:
        settings: `fetch_allow_private`, `fetch_timeout_s`, `fetch_max_bytes`, `fetch_cache_ttl_s` and
            `fetch_cache_size` are used.
        policy: overrides the address policy built from `settings.fetch_allow_private` (tests use it to
            allow one loopback address and refuse its neighbour).
        resolver: host name → addresses; the default asks the operating system.
        youtube_oembed_url: the oEmbed endpoint (tests point it at a local server).
        youtube_page_url: scheme and host that serve `/watch?v=` pages (tests point it at a local server).
        verify: TLS verification: `True`, or an `ssl.SSLContext` trusting a test certificate.
        failure_ttl_s: how long failures are cached, capped by `settings.fetch_cache_ttl_s`.
        clock: monotonic seconds for the cache; tests pass a fake.
    """

    def __init__(
        self,
        settings: LinkSettings,
        *,
        policy: AddressPolicy | None = None,
        resolver: Resolver = system_resolver,
        youtube_oembed_url: str = OEMBED_URL,
        youtube_page_url: str = PAGE_URL,
        verify: ssl.SSLContext | bool = True,
        failure_ttl_s: float = FAILURE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policy = policy if policy is not None else AddressPolicy(settings.fetch_allow_private)
        self._fetcher = Fetcher(
            policy=self._policy,
            timeout_s=settings.fetch_timeout_s,
            max_bytes=settings.fetch_max_bytes,
            resolver=resolver,
            verify=verify,
        )
        self._youtube = YouTubeReader(self._fetcher, oembed_url=youtube_oembed_url, page_url=youtube_page_url)
        self._cache: TTLCache[LinkInfo | LinkError] = TTLCache(settings.fetch_cache_size, clock=clock)
        self._ttl_s = settings.fetch_cache_ttl_s
        self._failure_ttl_s = min(failure_ttl_s, settings.fetch_cache_ttl_s)
        self._inflight: dict[str, asyncio.Task[LinkInfo | LinkError]] = {}

    async def read(self, url: str) -> LinkInfo | LinkError:
        """What `url` is about, or why it could not be read. Never raises for a bad or hostile link.

        The same link (after normalisation; for YouTube, the same video) is fetched once per cache
        lifetime, and concurrent reads of it share one fetch.
        """
        try:
            parse_url(url)
        except BadScheme as exc:
            return LinkError(url, "bad_scheme", messages.bad_scheme(exc.scheme), str(exc))
        except BadUrl as exc:
            return LinkError(url, "bad_url", messages.bad_url(), str(exc))
        video = video_id(url)
        key = f"youtube:{video}" if video else normalise_url(url)
        if key is None:
            return LinkError(url, "bad_url", messages.bad_url(), "no normal form")

        cached = self._cache.get(key)
        if cached is None:
            task = self._inflight.get(key)
            if task is None:
                task = asyncio.create_task(self._load(key, url, video), name=f"link:{key}")
                self._inflight[key] = task
                task.add_done_callback(lambda _: self._inflight.pop(key, None))
            # shield: one caller giving up must not cancel the fetch others are waiting for.
            cached = await asyncio.shield(task)
        return replace(cached, url=url)

    async def read_all(self, text: str) -> tuple[list[LinkInfo], list[LinkError]]:
        """Read every link `find_urls` finds in a message (at most three), concurrently.

        Returns:
            The links read, and the ones that could not be, each in message order.
        """
        results = await asyncio.gather(*(self.read(url) for url in find_urls(text)))
        infos = [r for r in results if isinstance(r, LinkInfo)]
        errors = [r for r in results if isinstance(r, LinkError)]
        return infos, errors

    async def aclose(self) -> None:
        for task in list(self._inflight.values()):
            task.cancel()
        await asyncio.gather(*self._inflight.values(), return_exceptions=True)
        await self._fetcher.aclose()

    async def __aenter__(self) -> LinkReader:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _load(self, key: str, url: str, video: str | None) -> LinkInfo | LinkError:
        result: LinkInfo | LinkError
        try:
            result = await self._youtube.read(url, video) if video else await self._read_page(url)
        except FetchFailed as exc:
            result = exc.as_link_error(url)
        except Exception as exc:
            # A link must never break message handling: log the bug loudly, answer like a network failure.
            logger.exception("unexpected error while reading a link on %s", httpx.URL(url).host)
            result = LinkError(url, "network", messages.network(), f"{type(exc).__name__}: {exc}")
        if isinstance(result, LinkError):
            logger.info("link not read: %s (%s)", result.reason, result.detail)
            self._cache.put(key, result, self._failure_ttl_s)
        else:
            self._cache.put(key, result, self._ttl_s)
        return result

    async def _read_page(self, url: str) -> LinkInfo:
        fetched = await self._fetcher.get(url)
        meta = parse_html(fetched.body, fetched.charset)
        host = httpx.URL(fetched.final_url).host.removeprefix("www.")
        return LinkInfo(
            url=url,
            final_url=fetched.final_url,
            kind="page",
            title=meta.title,
            description=meta.description,
            site_name=meta.site_name or host,
            keywords=meta.keywords,
            headings=meta.headings,
            text=meta.text,
        )

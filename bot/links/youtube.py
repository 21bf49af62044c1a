"""YouTube links: title and channel from oEmbed, description and keywords from the watch page's meta tags.

The two are fetched together and either is enough. oEmbed answers even where the watch page is replaced
by a cookie-consent interstitial; the watch page carries the description and keywords oEmbed lacks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

import httpx

from bot.links import messages
from bot.links.fetch import JSON_TYPES, Fetcher, FetchFailed
from bot.links.page import PageMeta, parse_html
from bot.links.types import LinkInfo

logger = logging.getLogger(__name__)

OEMBED_URL = "https://www.youtube.com/oembed"
PAGE_URL = "https://www.youtube.com"

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "www.youtube-nocookie.com"}
)
_SHORT_HOSTS = frozenset({"youtu.be", "www.youtu.be"})
_PATH_PREFIXES = ("shorts", "embed", "live", "v")


def video_id(url: str) -> str | None:
    """The video id of a YouTube watch, youtu.be, shorts, embed or live URL; `None` for anything else."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError):
        return None
    host = parsed.host.lower().rstrip(".")
    segments = [s for s in parsed.path.split("/") if s]
    candidate: str | None = None
    if host in _SHORT_HOSTS and segments:
        candidate = segments[0]
    elif host in _YOUTUBE_HOSTS:
        if segments == ["watch"]:
            candidate = parsed.params.get("v")
        elif len(segments) >= 2 and segments[0] in _PATH_PREFIXES:
            candidate = segments[1]
    if candidate is not None and _VIDEO_ID.match(candidate):
        return candidate
    return None


def watch_url(video: str) -> str:
    return f"https://www.youtube.com/watch?v={video}"


class YouTubeReader:
    """Reads one video's details through the shared, guarded `Fetcher`.

    Args:
        fetcher: the safe fetcher (so YouTube requests obey the same address policy and limits).
        oembed_url: the oEmbed endpoint; tests point it at a local server.
        page_url: scheme and host serving `/watch?v=...`; tests point it at a local server.
    """

    def __init__(self, fetcher: Fetcher, *, oembed_url: str = OEMBED_URL, page_url: str = PAGE_URL) -> None:
        self._fetcher = fetcher
        self._oembed_url = oembed_url
        self._page_url = page_url.rstrip("/")

    async def read(self, url: str, video: str) -> LinkInfo:
        """Combine oEmbed and watch-page details for `video`.

        Raises:
            FetchFailed: when neither source gave a title; the watch page's failure is reported first.
        """
        oembed, page = await asyncio.gather(self._oembed(video), self._page(video), return_exceptions=True)
        for result in (oembed, page):
            if isinstance(result, BaseException) and not isinstance(result, FetchFailed):
                raise result
        data = oembed if isinstance(oembed, dict) else {}
        meta = page if isinstance(page, PageMeta) else PageMeta()
        title = _text(data.get("title")) or meta.title.removesuffix(" - YouTube")
        if not title:
            # Nothing usable from either side: report a real failure, the watch page's first.
            for failure in (page, oembed):
                if isinstance(failure, FetchFailed):
                    raise failure
        return LinkInfo(
            url=url,
            final_url=watch_url(video),
            kind="youtube",
            title=title,
            description=meta.description,
            site_name=_text(data.get("author_name")) or meta.author,
            keywords=meta.keywords,
        )

    async def _oembed(self, video: str) -> dict[str, object]:
        url = httpx.URL(self._oembed_url, params={"url": watch_url(video), "format": "json"})
        fetched = await self._fetcher.get(str(url), accept=JSON_TYPES)
        try:
            data = json.loads(fetched.body)
        except ValueError as exc:
            raise FetchFailed("not_html", messages.network(), f"oEmbed body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise FetchFailed("not_html", messages.network(), f"oEmbed JSON is a {type(data).__name__}")
        return data

    async def _page(self, video: str) -> PageMeta:
        page_url = f"{self._page_url}/watch?v={video}"
        fetched = await self._fetcher.get(page_url)
        if httpx.URL(fetched.final_url).host != httpx.URL(page_url).host:
            # A redirect to another host is a consent or login wall, not the video.
            logger.debug("YouTube watch page for %s redirected to %s; ignoring it", video, fetched.final_url)
            return PageMeta()
        return parse_html(fetched.body, fetched.charset)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""

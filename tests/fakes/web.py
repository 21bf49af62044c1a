"""A small web on loopback for link tests: articles, a fake YouTube, redirects, huge, slow and binary answers.

One aiohttp application is served on 127.0.0.1, 127.0.0.2 and ::1, each on its own ephemeral port, and every
request that reaches it is recorded, so a test can prove a refused link never left the process. Handlers that
must stall wait on `release` (set at shutdown) instead of sleeping.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler

VIDEO_OK = "dQw4w9WgXcQ"
"""oEmbed and watch page both answer."""
VIDEO_NO_OEMBED = "noOembed_01"
"""oEmbed answers 401 (as YouTube does for private videos); the watch page answers."""
VIDEO_NO_PAGE = "noWatchPg01"
"""oEmbed answers; the watch page is a 404."""
VIDEO_GONE = "goneVideo01"
"""Both answer 404."""

HOSTS = ("127.0.0.1", "127.0.0.2", "::1")
MB = 1_000_000
CHUNK = 64 * 1024

ARTICLE = """<!doctype html>
<html lang="en"><head>
  <meta charset="utf-8">
  <title>Parliament passes the budget | The Daily Example</title>
  <meta name="description"
        content="After a long night, parliament voted on the budget and the opposition walked out.">
  <meta name="keywords" content="politics, budget, parliament">
  <meta property="og:title" content="Parliament passes the budget">
  <meta property="og:site_name" content="The Daily Example">
  <meta property="og:description" content="The vote came after midnight.">
  <meta property="article:tag" content="elections">
  <style>body { color: red }</style>
  <script>var tracking = "script text must not appear";</script>
</head><body>
  <header><a href="/">The Daily Example</a><h2>Site banner heading</h2></header>
  <nav><ul><li>Home</li><li>Navigation text must not appear</li></ul></nav>
  <article>
    <header><h1>Parliament passes the budget</h1></header>
    <p>The vote on the <b>national budget</b> ended at 2 a.m. after a long debate.</p>
    <h2>What changes for schools</h2>
    <p>Schools get more money for teachers.</p>
    <h2>The opposition walks out</h2>
    <p>Several members left the chamber in protest.</p>
    <script>document.write("inline script must not appear")</script>
  </article>
  <aside>Aside text must not appear</aside>
  <footer>Footer text must not appear</footer>
</body></html>
"""

BARE = "<html><body><p>Just some words, nothing else.</p></body></html>"


def watch_page(title: str, channel: str) -> str:
    return f"""<!doctype html><html><head>
<title>{title} - YouTube</title>
<meta name="title" content="{title}">
<meta name="description" content="A video about cooking pasta at home, step by step.">
<meta name="keywords" content="pasta, cooking, recipe, italian food">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="YouTube">
<meta property="og:description" content="A video about cooking pasta at home, step by step.">
</head><body>
<span itemprop="author" itemscope itemtype="http://schema.org/Person">
  <link itemprop="name" content="{channel}">
</span>
<div id="player">player</div>
</body></html>"""


@dataclass(frozen=True)
class SeenRequest:
    """One request that reached the server."""

    server_host: str
    """Which of the loopback addresses it arrived on."""
    path_qs: str
    host_header: str
    user_agent: str


@dataclass
class FakeWeb:
    """The running server; `url(path, host=...)` builds addresses, `requests` lists what arrived."""

    ssl_context: ssl.SSLContext | None = None
    requests: list[SeenRequest] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    def url(self, path: str = "/", *, host: str = "127.0.0.1", scheme: str | None = None) -> str:
        scheme = scheme or ("https" if self.ssl_context else "http")
        netloc = f"[{host}]" if ":" in host else host
        return f"{scheme}://{netloc}:{self.ports[host]}{path}"

    def paths(self) -> list[str]:
        return [r.path_qs for r in self.requests]

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.add_routes(
            [
                web.get("/article", self._article),
                web.get("/bare", self._bare),
                web.get("/binary", self._binary),
                web.get("/gone", self._gone),
                web.get("/hop/{n}", self._hop),
                web.get("/redirect", self._redirect),
                web.get("/huge", self._huge),
                web.get("/huge-chunked", self._huge_chunked),
                web.get("/slow", self._slow),
                web.get("/trickle", self._trickle),
                web.get("/cp1251", self._cp1251),
                web.get("/watch", self._watch),
                web.get("/oembed", self._oembed),
                # Last: unknown paths still pass the recording middleware (aiohttp skips it for 404s).
                web.route("*", "/{tail:.*}", self._not_found),
            ]
        )
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        for host in HOSTS:
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, 0))
            self.ports[host] = sock.getsockname()[1]
            await web.SockSite(self._runner, sock, ssl_context=self.ssl_context).start()

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        sockname = request.transport.get_extra_info("sockname") if request.transport else ("?",)
        self.requests.append(
            SeenRequest(
                server_host=str(sockname[0]),
                path_qs=request.path_qs,
                host_header=request.headers.get("Host", ""),
                user_agent=request.headers.get("User-Agent", ""),
            )
        )
        return await handler(request)

    async def _article(self, request: web.Request) -> web.Response:
        return web.Response(text=ARTICLE, content_type="text/html")

    async def _bare(self, request: web.Request) -> web.Response:
        return web.Response(text=BARE, content_type="application/xhtml+xml")

    async def _binary(self, request: web.Request) -> web.Response:
        return web.Response(body=bytes(range(256)) * 64, content_type="application/octet-stream")

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.Response(status=404, text="no such page", content_type="text/plain")

    async def _gone(self, request: web.Request) -> web.Response:
        return web.Response(status=404, text="<h1>Not here</h1>", content_type="text/html")

    async def _hop(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        target = "/article" if n <= 1 else str(n - 1)  # relative on purpose: /hop/3 -> /hop/2
        raise web.HTTPFound(target)

    async def _redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        """Declares 10 MB, sends one chunk, then stalls: only a client that trusts the header answers fast."""
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.content_length = 10 * MB
        await response.prepare(request)
        await response.write(b"<html><body>" + b"x" * CHUNK)
        await self.release.wait()
        return response

    async def _huge_chunked(self, request: web.Request) -> web.StreamResponse:
        """10 MB with no length: sends 3 MB, then stalls; only a client that stops at its cap answers."""
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"<html><body><p>")
        for _ in range(3 * MB // CHUNK):
            await response.write(b"x" * CHUNK)
        await self.release.wait()
        return response

    async def _slow(self, request: web.Request) -> web.Response:
        await self.release.wait()
        return web.Response(text=BARE, content_type="text/html")

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        """Answers at once, then one byte every 50 ms: each read is quick, the whole never ends.

        The sleep is the thing under test (a total deadline, not a per-read one); nothing waits on it.
        """
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        while not self.release.is_set():
            await response.write(b"x")
            await asyncio.sleep(0.05)
        return response

    async def _cp1251(self, request: web.Request) -> web.Response:
        body = "<html><head><title>Привет, мир</title></head><body><p>Текст</p></body></html>"
        return web.Response(
            body=body.encode("cp1251"), headers={"Content-Type": "text/html; charset=windows-1251"}
        )

    async def _watch(self, request: web.Request) -> web.Response:
        video = request.query.get("v", "")
        if video in (VIDEO_NO_PAGE, VIDEO_GONE):
            return web.Response(status=404, text="<h1>404</h1>", content_type="text/html")
        return web.Response(
            text=watch_page("How to cook pasta (page title)", "Page Channel"), content_type="text/html"
        )

    async def _oembed(self, request: web.Request) -> web.Response:
        video = request.query.get("url", "").rsplit("v=", 1)[-1]
        if request.query.get("format") != "json":
            return web.Response(status=400, text="format=json expected")
        if video == VIDEO_NO_OEMBED:
            return web.Response(status=401, text="Unauthorized")
        if video == VIDEO_GONE:
            return web.Response(status=404, text="Not Found")
        data = {
            "title": "How to cook pasta",
            "author_name": "Chef Example",
            "author_url": "https://www.youtube.com/@chefexample",
            "type": "video",
            "provider_name": "YouTube",
        }
        return web.Response(text=json.dumps(data), headers={"Content-Type": "application/json"})

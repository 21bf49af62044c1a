"""A small, careful GET: guarded addresses, few redirects, one total deadline, a streamed size cap.

Redirects are followed by hand rather than by httpx so that every hop goes through `AddressPolicy.check_url`
(scheme and IP literals) before a request is made; the transport then checks the address actually
connected to. Cookies are never stored, so one site cannot leave state that rides along to another.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpcore
import httpx

from bot.errors import MemorybotError
from bot.links import messages
from bot.links.guard import AddressPolicy, BadScheme, BadUrl, BlockedAddress, parse_url
from bot.links.transport import GuardedTransport, Resolver, system_resolver
from bot.links.types import LinkError, LinkErrorReason

logger = logging.getLogger(__name__)

USER_AGENT = "memorybot/0.1 (+link preview for tagging)"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
JSON_TYPES = frozenset({"application/json", "text/json"})
MAX_REDIRECTS = 3
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchFailed(MemorybotError):
    """A fetch ended without usable content; carries the reason code and the user-facing sentence."""

    def __init__(self, reason: LinkErrorReason, message: str, detail: str = "") -> None:
        self.reason = reason
        self.message = message
        self.detail = detail
        super().__init__(f"{reason}: {detail or message}")

    def as_link_error(self, url: str) -> LinkError:
        return LinkError(url=url, reason=self.reason, message=self.message, detail=self.detail)


@dataclass(frozen=True)
class Fetched:
    """A successful response body, already checked for type and size."""

    final_url: str
    content_type: str
    charset: str | None
    body: bytes


class Fetcher:
    """Fetches one URL at a time under the policy; share one instance, it pools connections.

    Args:
        policy: which addresses may be connected to.
        timeout_s: deadline for the whole fetch, redirects and body included.
        max_bytes: the body is read in chunks and abandoned once it grows past this.
        resolver: host name → addresses (the DNS edge; tests pass a fake).
        verify: TLS verification, `True` or an `ssl.SSLContext` (tests trust their own certificate).
    """

    def __init__(
        self,
        *,
        policy: AddressPolicy,
        timeout_s: float,
        max_bytes: int,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        max_redirects: int = MAX_REDIRECTS,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(
                policy, resolver=resolver, verify=verify, network_backend=network_backend
            ),
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout_s),
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            headers={"User-Agent": USER_AGENT},
        )

    async def get(self, url: str, *, accept: frozenset[str] = HTML_TYPES) -> Fetched:
        """Fetch `url`, following at most `max_redirects` redirects, each re-checked.

        Raises:
            FetchFailed: with the reason code and a sentence to show the user.
        """
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._follow(url, accept)
        except FetchFailed:
            raise
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise FetchFailed("timeout", messages.timeout(self._timeout_s), repr(exc)) from None
        except BlockedAddress as exc:
            raise FetchFailed("blocked_address", messages.blocked(exc.category), str(exc)) from None
        except BadScheme as exc:
            raise FetchFailed("bad_scheme", messages.bad_scheme(exc.scheme), str(exc)) from None
        except BadUrl as exc:
            raise FetchFailed("bad_url", messages.bad_url(), str(exc)) from None
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            # OSError covers ssl.SSLError and resolver failures that escaped the transport.
            raise FetchFailed("network", messages.network(), f"{type(exc).__name__}: {exc}") from None

    async def _follow(self, url: str, accept: frozenset[str]) -> Fetched:
        current = parse_url(url)
        for hop in range(self._max_redirects + 1):
            self._policy.check_url(current)
            headers = {"Accept": ", ".join(sorted(accept)) + ", */*;q=0.1"}
            async with self._client.stream("GET", current, headers=headers) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECT_STATUSES and location:
                    if hop == self._max_redirects:
                        raise FetchFailed(
                            "too_many_redirects",
                            messages.too_many_redirects(self._max_redirects),
                            f"redirect number {hop + 1}, from {current.host}",
                        )
                    current = parse_url(str(response.url.join(location)))
                    logger.debug("link redirect %d to host %s", hop + 1, current.host)
                    continue
                return await self._accept(response, accept)
        raise AssertionError("unreachable: the loop returns or raises")

    async def _accept(self, response: httpx.Response, accept: frozenset[str]) -> Fetched:
        if not 200 <= response.status_code < 300:
            raise FetchFailed(
                "http_status",
                messages.http_status(response.status_code, response.reason_phrase),
                f"HTTP {response.status_code} from {response.url.host}",
            )
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type not in accept:
            raise FetchFailed("not_html", messages.not_html(content_type), f"content type {content_type!r}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise FetchFailed(
                "too_large", messages.too_large(self._max_bytes), f"content-length {declared} (not read)"
            )
        body = await self._read_capped(response)
        return Fetched(
            final_url=str(response.url),
            content_type=content_type,
            charset=response.charset_encoding,
            body=body,
        )

    async def _read_capped(self, response: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                # Leaving the `stream()` block closes the connection: the rest is never read.
                raise FetchFailed(
                    "too_large", messages.too_large(self._max_bytes), f"body passed {self._max_bytes} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        await self._client.aclose()

"""Find the links in a chat message, the way people and platforms write them.

Slack sends links as `<https://example.com|label>` or `<https://example.com>` and escapes `&`, `<`, `>` as
HTML entities; Discord users wrap links in `<...>` to suppress the embed and write `[label](url)` masked
links; everyone ends sentences with a full stop right after a URL.
"""

from __future__ import annotations

import re

import httpx

MAX_URLS_PER_MESSAGE = 3

_URL_PATTERN = re.compile(
    r"<(?P<wrapped>https?://[^\s<>|]+)(?:\|[^<>]*)?>"  # Slack <url|label>, Slack/Discord <url>
    r"|(?P<plain>https?://[^\s<>\"]+)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\"*_~)]}"
_OPENERS = {")": "(", "]": "[", "}": "{"}
_ENTITIES = (("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"))
_DEFAULT_PORTS = {"http": 80, "https": 443}


def find_urls(text: str, *, limit: int = MAX_URLS_PER_MESSAGE) -> list[str]:
    """The distinct http(s) URLs in `text`, in order of appearance, at most `limit`.

    Args:
        text: a message as the platform delivered it (Slack markup and entities included).
        limit: how many to return; links after that are ignored, so a wall of links costs three fetches.

    Returns:
        URLs as written (unwrapped, entities decoded, trailing punctuation removed); two spellings of the
        same address (case of the host, default port, fragment) count once.
    """
    found: list[str] = []
    seen: set[str] = set()
    for match in _URL_PATTERN.finditer(text):
        wrapped = match.group("wrapped")
        url = _unescape(wrapped) if wrapped else _trim(_unescape(match.group("plain")))
        key = normalise_url(url)
        if key is None or key in seen:
            continue
        seen.add(key)
        found.append(url)
        if len(found) >= limit:
            break
    return found


def normalise_url(url: str) -> str | None:
    """A cache/dedupe key: lower-case scheme and host, no default port or fragment; `None` if unusable."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError):
        return None
    scheme = parsed.scheme.lower()
    host = parsed.host.lower().rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    port = parsed.port
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    target = parsed.raw_path.decode("ascii") or "/"
    return f"{scheme}://{netloc}{target}"


def _unescape(url: str) -> str:
    for entity, char in _ENTITIES:
        url = url.replace(entity, char)
    return url


def _trim(url: str) -> str:
    """Drop sentence punctuation after a URL, keeping closing brackets that close one inside it."""
    while url and url[-1] in _TRAILING:
        last = url[-1]
        opener = _OPENERS.get(last)
        if opener is not None and url.count(opener) >= url.count(last):
            break
        url = url[:-1]
    return url

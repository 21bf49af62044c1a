"""The user-facing sentences for links that could not be read, kept in one place so they stay consistent."""

from __future__ import annotations

from bot.links.guard import AddressCategory

_PREFIX = "I couldn't read that link: "

_PLACES: dict[AddressCategory, str] = {
    "metadata": "a cloud metadata address",
    "unspecified": "an unspecified address (0.0.0.0 or ::)",
    "multicast": "a multicast or broadcast address",
    "reserved": "a reserved address that isn't on the public internet",
    "loopback": "this machine's own address (loopback)",
    "link_local": "a link-local network address",
    "shared": "a carrier-internal (shared) network address",
    "private": "a private network address",
}

_CONTENT_NAMES = {
    "application/pdf": "a PDF file",
    "application/json": "JSON data",
    "application/octet-stream": "a binary file",
    "application/zip": "a zip archive",
    "text/plain": "plain text",
}


def blocked(category: AddressCategory) -> str:
    return f"{_PREFIX}it points to {_PLACES[category]}, which I don't fetch."


def bad_scheme(scheme: str) -> str:
    shown = f"{scheme}" if scheme else "other"
    return f"{_PREFIX}I only open http and https links, not {shown} links."


def bad_url() -> str:
    return f"{_PREFIX}it doesn't look like a valid web address."


def timeout(seconds: float) -> str:
    return f"{_PREFIX}the site didn't answer within {seconds:g} seconds."


def http_status(status: int, phrase: str) -> str:
    said = f"{status} ({phrase})" if phrase else str(status)
    return f"{_PREFIX}the site answered with an error, {said}."


def not_html(content_type: str) -> str:
    if not content_type:
        return f"{_PREFIX}the site didn't say what kind of content it is, so I left it alone."
    family = content_type.split("/", 1)[0]
    if family in ("image", "audio"):
        kind = f"an {family} file"
    elif family == "video":
        kind = "a video file"
    else:
        kind = _CONTENT_NAMES.get(content_type, content_type)
    return f"{_PREFIX}it isn't a web page (it's {kind})."


def too_large(limit_bytes: int) -> str:
    return f"{_PREFIX}the page is larger than {_size(limit_bytes)}, so I stopped reading it."


def too_many_redirects(limit: int) -> str:
    return f"{_PREFIX}it redirects more than {limit} times."


def network() -> str:
    return f"{_PREFIX}I couldn't connect to the site."


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} MB"
    if n >= 1_000:
        return f"{n / 1_000:g} kB"
    return f"{n} bytes"

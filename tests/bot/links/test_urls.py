"""Finding links in messages as Slack, Discord and people write them."""

from __future__ import annotations

import pytest

from bot.links import find_urls
from bot.links.urls import normalise_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no links here", []),
        ("see https://example.com/a", ["https://example.com/a"]),
        # Slack wraps links, with or without a label, and escapes & < >.
        ("look <https://example.com/a|example.com/a> now", ["https://example.com/a"]),
        ("<https://example.com/search?q=1&amp;lang=en>", ["https://example.com/search?q=1&lang=en"]),
        ("<https://example.com/a|https://example.com/a>", ["https://example.com/a"]),
        ("<mailto:someone@example.com|someone@example.com> <@U123> <#C1|general>", []),
        # Discord: <url> suppresses the embed; [label](url) is a masked link.
        ("<https://example.com/b>", ["https://example.com/b"]),
        ("[the docs](https://example.com/docs)", ["https://example.com/docs"]),
        # Sentence punctuation is not part of the link; balanced brackets are.
        ("Read https://example.com/a.", ["https://example.com/a"]),
        ("(see https://example.com/a)", ["https://example.com/a"]),
        (
            "https://en.wikipedia.org/wiki/Python_(language), nice",
            ["https://en.wikipedia.org/wiki/Python_(language)"],
        ),
        ('"https://example.com/q?x=1"!', ["https://example.com/q?x=1"]),
        ("**https://example.com/bold**", ["https://example.com/bold"]),
        ("HTTPS://Example.com/Path", ["HTTPS://Example.com/Path"]),
        # Only web links.
        ("ftp://example.com/x file:///etc/passwd javascript:alert(1)", []),
        ("https://", []),
    ],
)
def test_find_urls(text: str, expected: list[str]) -> None:
    assert find_urls(text) == expected


def test_find_urls_keeps_order_drops_repeats_and_stops_at_three() -> None:
    text = (
        "https://a.example/1 <https://A.example/1#top|again> https://b.example/ "
        "<https://c.example/x> https://d.example/ https://e.example/"
    )

    assert find_urls(text) == ["https://a.example/1", "https://b.example/", "https://c.example/x"]
    assert find_urls(text, limit=10)[-2:] == ["https://d.example/", "https://e.example/"]


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://example.com:443/a?b=1#frag", "https://example.com/a?b=1"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("http://example.com./", "http://example.com/"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("ftp://example.com/", None),
        ("http:///nohost", None),
    ],
)
def test_normalise_url(url: str, key: str | None) -> None:
    assert normalise_url(url) == key

"""What reading a link gives back: `LinkInfo` on success, `LinkError` (with a friendly message) otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

LinkKind = Literal["youtube", "page"]

LinkErrorReason = Literal[
    "blocked_address",
    "bad_scheme",
    "bad_url",
    "timeout",
    "http_status",
    "not_html",
    "too_large",
    "too_many_redirects",
    "network",
]

_SUMMARY_TEXT_CHARS = 600
_SUMMARY_MAX_CHARS = 2000


@dataclass(frozen=True)
class LinkInfo:
    """What a link is about, for tagging and for the interaction memory."""

    url: str
    """The URL as the user shared it."""
    final_url: str
    """Where the content came from after redirects (for YouTube, the canonical watch URL)."""
    kind: LinkKind
    title: str = ""
    description: str = ""
    site_name: str = ""
    """The site's name (`og:site_name`, else the host); for YouTube, the channel."""
    keywords: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    """The page's h1/h2 headings, in order."""
    text: str = ""
    """The start of the page's readable text (about 1,500 characters); empty for YouTube."""

    def summary_for_tagging(self) -> str:
        """What a tagger should read: title, description, keywords, headings, then the text's start."""
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
        if self.description:
            lines.append(self.description)
        if self.site_name:
            lines.append(("Channel: " if self.kind == "youtube" else "Site: ") + self.site_name)
        if self.keywords:
            lines.append("Keywords: " + ", ".join(self.keywords))
        if self.headings:
            lines.append("Headings: " + " | ".join(self.headings))
        if self.text:
            lines.append(_cut(self.text, _SUMMARY_TEXT_CHARS))
        return _cut("\n".join(lines), _SUMMARY_MAX_CHARS)


@dataclass(frozen=True)
class LinkError:
    """A link that could not be read, with a message fit to show the user as is."""

    url: str
    reason: LinkErrorReason
    message: str
    """Short and user-facing, e.g. "I couldn't read that link: it isn't a web page (it's a PDF file)."."""
    detail: str = ""
    """Technical detail for logs; never shown to users."""


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return head.rstrip(" ,.;:") + "…"

"""Pull what a page is about out of its HTML with selectolax's lexbor parser (no hand-written parsing)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

TEXT_CHARS = 1500
MAX_HEADINGS = 12
MAX_KEYWORDS = 20
_HEADING_CHARS = 160

# Page chrome and non-text: dropped before reading headings and text. Top-level <header> only, because an
# article's own <header> usually holds its h1.
_CHROME = (
    "script, style, noscript, template, svg, iframe, object, canvas, form, button, select, "
    "nav, footer, aside, body > header, [role=navigation], [role=banner], [role=contentinfo], "
    "[aria-hidden=true], [hidden]"
)
_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r" ([.,;:!?)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[]) ")


@dataclass(frozen=True)
class PageMeta:
    """Metadata and text found in one HTML document; empty strings where the page said nothing."""

    title: str = ""
    description: str = ""
    site_name: str = ""
    author: str = ""
    """`meta name=author`, else a schema.org author name (YouTube puts the channel there)."""
    keywords: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    text: str = ""


def parse_html(body: bytes, charset: str | None = None) -> PageMeta:
    """Read title, description, `og:*`, keywords, h1/h2 headings and the start of the readable text.

    Args:
        body: the raw HTML bytes.
        charset: the charset from the Content-Type header; it wins over `<meta charset>`, as in browsers.
    """
    tree = _parse(body, charset)
    meta = _meta_tags(tree)
    title_node = tree.css_first("title")
    html_title = _clean(title_node.text()) if title_node is not None else ""

    for node in tree.css(_CHROME):
        node.decompose()
    headings = _dedupe(_clean(n.text(separator=" "))[:_HEADING_CHARS] for n in tree.css("h1, h2"))

    return PageMeta(
        title=meta.get("og:title") or meta.get("twitter:title") or html_title or next(iter(headings), ""),
        description=(
            meta.get("description") or meta.get("og:description") or meta.get("twitter:description", "")
        ),
        site_name=meta.get("og:site_name") or meta.get("application-name", ""),
        author=meta.get("author") or _schema_author(tree),
        keywords=_keywords(tree, meta),
        headings=headings[:MAX_HEADINGS],
        text=_readable_text(tree),
    )


def _parse(body: bytes, charset: str | None) -> LexborHTMLParser:
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    if charset:
        return LexborHTMLParser(body.decode(charset, errors="replace"))
    return LexborHTMLParser(body, encoding=True)


def _meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    """`name`/`property` → content for every `<meta>`, first occurrence wins, keys lower-cased."""
    found: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").strip().lower()
        value = _clean(attrs.get("content") or "")
        if key and value and key not in found:
            found[key] = value
    return found


def _schema_author(tree: LexborHTMLParser) -> str:
    node = tree.css_first('[itemprop="author"] [itemprop="name"]')
    if node is None:
        return ""
    return _clean(node.attributes.get("content") or node.text())


def _keywords(tree: LexborHTMLParser, meta: dict[str, str]) -> list[str]:
    words = [w for w in (_clean(part) for part in meta.get("keywords", "").split(",")) if w]
    words += [_clean(n.attributes.get("content") or "") for n in tree.css('meta[property="article:tag"]')]
    return _dedupe(w for w in words if w)[:MAX_KEYWORDS]


def _readable_text(tree: LexborHTMLParser) -> str:
    root: LexborNode | None = tree.css_first("article") or tree.css_first("main") or tree.body
    if root is None:
        return ""
    text = _clean(root.text(separator=" "))
    text = _SPACE_AFTER_OPEN.sub(r"\1", _SPACE_BEFORE_PUNCT.sub(r"\1", text))
    if len(text) <= TEXT_CHARS:
        return text
    cut = text[:TEXT_CHARS]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        if item and item.casefold() not in seen:
            seen[item.casefold()] = item
    return list(seen.values())

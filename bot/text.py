"""Making arbitrary chat input safe to process without losing what the user meant."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Zero-width spaces and bidi overrides carry no meaning for tagging but can hide or reorder text for humans.
# The joiners (U+200C/U+200D) stay: emoji sequences and Persian/Indic scripts need them.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None
)


@dataclass(frozen=True, slots=True)
class CleanText:
    text: str
    truncated: bool


_SURROGATES = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """Lone surrogates (undecodable bytes in argv, `\\ud800` escapes in JSON) become U+FFFD: no file,
    database or terminal can encode them."""
    return _SURROGATES.sub("\ufffd", text)


def clean_input(raw: str, *, max_chars: int) -> CleanText:
    """NFC-normalise, drop control and invisible characters, collapse blank-line runs, cap the length."""
    text = unicodedata.normalize("NFC", without_surrogates(raw)).translate(_INVISIBLE)
    # Control characters (NUL among them) become spaces: deleting them would glue the words around them.
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else " " for ch in text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) > max_chars:
        return CleanText(cut_at_word(text, max_chars), True)
    return CleanText(text, False)


def cut_at_word(text: str, max_chars: int) -> str:
    """At most `max_chars` of `text`, ending before a word (and its combining marks) when a space is near."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ", max_chars - min(200, max_chars // 2))
    return cut[:space] if space > 0 else cut


def is_blank(text: str) -> bool:
    """Nothing a person could read: only spaces and format characters (such as lone joiners)."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp") for ch in text)


RECALL_QUERY_CHARS = 400
"""The recall query is embedded on the reply path, at about 2.5 ms per token on one core: 1,500 characters
took 1.1 s, 400 take a quarter of that. The opening of a pasted text names its topic, which is what finds
the memories that shape its tags."""


def recall_query(text: str) -> str:
    """What the reply path searches memories with: the start of the message."""
    return cut_at_word(text, RECALL_QUERY_CHARS)

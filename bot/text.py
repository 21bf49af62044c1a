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


def clean_input(raw: str, *, max_chars: int) -> CleanText:
    """NFC-normalise, drop control and invisible characters, collapse blank-line runs, cap the length."""
    text = unicodedata.normalize("NFC", raw).translate(_INVISIBLE)
    # Control characters (NUL among them) become spaces: deleting them would glue the words around them.
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else " " for ch in text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) > max_chars:
        cut = text[:max_chars]
        # Do not split a word (or a surrogate-free grapheme's combining marks) when a space is near.
        space = cut.rfind(" ", max_chars - 200)
        return CleanText(cut[:space] if space > 0 else cut, True)
    return CleanText(text, False)


def is_blank(text: str) -> bool:
    """Nothing a person could read: only spaces and format characters (such as lone joiners)."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp") for ch in text)


RECALL_QUERY_CHARS = 1500
"""e5-small reads 512 tokens; embedding more costs seconds and adds nothing to finding memories."""

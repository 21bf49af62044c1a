"""What a memory is indexed under: its text with the speaker and the date it was said.

A memory's stored text stays as the person (or the extractor) wrote it; the dense vector and the BM25 vector
are computed from `index_text`, which adds what the memory's metadata already knows: who said it (when the
metadata names a speaker the text does not start with) and when (the conversation's own date when the
metadata carries one, else the day the memory was stored). Questions such as "what did I share in May?" or
"when did Caroline go to the support group?" then match on the date's words. On LOCOMO this raised hybrid
hit@10 by 3 to 5 points (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = ["INDEX_TEXT_VERSION", "index_text", "spoken_date"]

INDEX_TEXT_VERSION = 2
"""1: the bare text (before dates were indexed); 2: `"<speaker>: <text> (<date>)"`. Stores remember which
version their vectors were computed with, and are re-indexed once when it changes (`memory.migrate`)."""

DATE_KEYS = ("session_date", "said_at", "created_at")
"""Metadata keys holding when a memory was said, most specific first."""
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\b")


def spoken_date(metadata: Mapping[str, Any]) -> str | None:
    """The memory's date in words ("8 May 2023"), or None when the metadata has none.

    ISO timestamps (what the bot stores in `created_at`) and dates in words with a time ("1:56 pm on 8 May,
    2023", as LOCOMO writes them) both become "<day> <month> <year>": the way people ask about them, and
    short, since the date is repeated in every line of the memory context. Anything else is kept as written.
    """
    for key in DATE_KEYS:
        value = metadata.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            words = _DAY_MONTH_YEAR.search(value)
            return " ".join(words.groups()) if words else value.strip()
        return f"{parsed.day} {parsed:%B %Y}"
    return None


def index_text(text: str, metadata: Mapping[str, Any]) -> str:
    """`"<speaker>: <text> (<date>)"`, each part only when known; the text alone otherwise."""
    speaker = metadata.get("speaker")
    if isinstance(speaker, str) and speaker.strip() and not text.startswith(f"{speaker.strip()}:"):
        text = f"{speaker.strip()}: {text}"
    date = spoken_date(metadata)
    return f"{text} ({date})" if date else text

"""The operator's guidance ("Prefers singular tags", "Always include a #news tag") as typed preferences.

Guidance is written in the third person or as an instruction; it is turned into a first-person statement and
read by the same grammar as a chat message. This reads the operator's *input*, before it is stored: the
stored guidance carries its preference as metadata like any memory.
"""

from __future__ import annotations

import re

from bot.understanding._grammar import normalise
from bot.understanding._statements import extract_facts, to_first_person
from bot.understanding.operations import Add
from bot.understanding.preferences import Preference
from bot.understanding.rules import preference_of, understand

__all__ = ["parse_guidance"]


def parse_guidance(text: str) -> list[Preference]:
    """The preferences one piece of guidance states; empty when it states none the bot can apply itself
    (it is then given to LLM models as plain text only)."""
    found: dict[str, Preference] = {}
    for sentence in re.split(r"(?<=[.!;])\s+|\n+", normalise(text)):
        first_person = to_first_person(sentence)
        prefs = [p for f in extract_facts(first_person) if (p := preference_of(f))] if first_person else []
        if not prefs:
            prefs = [op.preference for op in understand(sentence).operations if isinstance(op, Add)]
        for pref in prefs:
            if pref.kind.startswith(("identity.", "fact")):
                continue  # a name or a role is nobody's default
            found.pop(pref.key, None)
            found[pref.key] = pref
    return list(found.values())

"""Forgetting by description ("forget what I said about my dog"), resolved before the reply goes out.

A description is matched against the speaker's own memories. One clear match is forgotten, and the reply
says which; several, or only weak ones, are listed with their short ids and nothing is deleted until the
person confirms with `/forget <id>`.
"""

from __future__ import annotations

import re

from bot.understanding.operations import Forget, Operation, Remove
from memory.ids import short_id
from memory.store import MemoryStore, MemoryUnavailable
from memory.types import MemoryRecord

__all__ = ["resolve_forgets"]

_CANDIDATES = 5
_STOP = frozenset("the a an my me i about what that this of to and or in on for with it is was".split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if w not in _STOP and len(w) > 1}


def _strong(description: str, record: MemoryRecord) -> bool:
    """Every content word of the description is in the memory ("my dog" -> "Has a dog named Rex")."""
    wanted = _words(description)
    have = _words(record.text)
    return bool(wanted) and all(any(h.startswith(w) or w.startswith(h) for h in have) for w in wanted)


async def resolve_forgets(
    store: MemoryStore, user_id: str, operations: list[Operation]
) -> tuple[list[Operation], str]:
    """`operations` with each `Forget` replaced by the removal it resolves to (if clear), and what to say."""
    out: list[Operation] = []
    lines: list[str] = []
    for op in operations:
        if not isinstance(op, Forget):
            out.append(op)
            continue
        try:
            hits = await store.search(user_id, op.description, top_k=_CANDIDATES)
        except MemoryUnavailable:
            lines.append("My memory is unavailable right now, so I couldn't forget that; please try again.")
            continue
        hits = [h for h in hits if h.user_id == user_id]
        strong = [h for h in hits if _strong(op.description, h)]
        if len(strong) == 1:
            out.append(Remove(memory_id=strong[0].id, source=op.source))
            lines.append(f'Done: I forgot "{strong[0].text}".')
        elif not hits:
            lines.append(f"I don't remember anything about {op.description}.")
        else:
            shown = strong or hits
            listing = "\n".join(f"- `{short_id(h.id)}` {h.text}" for h in shown)
            why = "These match" if len(strong) > 1 else "I'm not sure which memory you mean; the closest are"
            lines.append(
                f"{why}:\n{listing}\nI haven't forgotten anything yet: send /forget <id> for the one to go."
            )
    return out, "\n".join(lines)

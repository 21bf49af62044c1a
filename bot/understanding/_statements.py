"""The statement grammar's driver: first-person statements (likes, avoidances, identity, tag-format wishes).

This is the version-1 grammar, moved out of `memory/`. `bot.understanding.rules` turns its facts into typed
`Preference`s. `parse_memory_facts` reads a *third-person* sentence ("User prefers lowercase tags") by turning
it into a first-person statement first; only two callers may use it: the one-time upgrade of version-1
stores (`bot.understanding.upgrade`), and the operator's guidance text, which is input, not memory. Nothing
else reads memory text back.
Anything that is not a statement by the speaker about the speaker ("Bob likes politics", "do you like Rust?")
yields nothing: a missed fact costs less than a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.understanding._format_grammar import parse_format
from bot.understanding._grammar import clauses, normalise, parse_identity
from bot.understanding._topic_grammar import parse_topics

FactCategory = Literal["preference", "fact"]

__all__ = ["ExtractedFact", "extract_facts", "parse_memory", "parse_memory_facts"]


@dataclass(frozen=True, slots=True)
class ExtractedFact:
    text: str
    """Canonical third-person memory sentence, e.g. "Prefers lowercase tags", "Avoids politics"."""
    category: FactCategory
    """`preference` for likes, avoidances and tag-format wishes; `fact` for identity (name, role)."""
    key: str
    """Supersede key, e.g. `topic:politics`, `format:case`, `identity:name`, `format:always:work`."""
    value: str
    """The value under `key`; a different value under the same key contradicts (`like` vs `avoid`)."""
    shown: str = ""
    """The subject as the person wrote it (a name, a tag, a role, a topic)."""


def extract_facts(text: str) -> list[ExtractedFact]:
    """Facts stated by the speaker about themselves in one message.

    Args:
        text: One user message, as typed (any case, curly apostrophes, several statements).

    Returns:
        One fact per key, in the order stated; when a message contradicts itself, its last word counts.
    """
    found: dict[str, ExtractedFact] = {}
    for clause in clauses(normalise(text)):
        for fact in _facts_in_clause(clause):
            found.pop(fact.key, None)
            found[fact.key] = fact
    return list(found.values())


def parse_memory_facts(text: str) -> list[ExtractedFact]:
    """Every structured fact in a stored memory sentence (ours, or free-form from an LLM extractor).

    Sentences this grammar does not know (interaction records, free-form notes) give an empty list.
    """
    sentences = re.split(r"(?<=[.!;])\s+|\n+", normalise(text))
    facts: dict[str, ExtractedFact] = {}
    for sentence in sentences:
        first_person = to_first_person(sentence)
        if first_person is None:
            continue
        for fact in extract_facts(first_person):
            facts.pop(fact.key, None)
            facts[fact.key] = fact
    return list(facts.values())


def parse_memory(text: str) -> ExtractedFact | None:
    """The structured fact in a stored memory sentence, or None; the first one if it holds several."""
    facts = parse_memory_facts(text)
    return facts[0] if facts else None


def _facts_in_clause(clause: str) -> list[ExtractedFact]:
    identity = parse_identity(clause)
    if identity is not None:
        kind, shown, value = identity
        text = f"Name is {shown}" if kind == "name" else f"Is {shown}"
        return [ExtractedFact(text, "fact", f"identity:{kind}", value, shown)]
    wishes = parse_format(clause)
    if wishes:
        return [
            ExtractedFact(_format_text(key, value, shown), "preference", key, value, shown)
            for key, value, shown in wishes
        ]
    return [
        ExtractedFact(
            f"{'Likes' if stance == 'like' else 'Avoids'} {shown}",
            "preference",
            f"topic:{key}",
            stance,
            shown,
        )
        for stance, key, shown in parse_topics(clause)
    ]


_CASE_TEXT = {"lower": "lowercase", "upper": "UPPERCASE", "title": "Title Case"}


def _format_text(key: str, value: str, shown: str) -> str:
    if key == "format:case":
        return f"Prefers {_CASE_TEXT[value]} tags"
    if key == "format:hashtags":
        return "Wants hashtags" if value == "yes" else "Wants no hashtags"
    if key == "format:max_tags":
        return f"Wants at most {value} tags"
    if key == "format:number":
        return f"Prefers {value} tags"
    if value == "yes":
        return f"Always include the tag '{shown}'"
    return f"Never use the tag '{shown}'"


# --- stored memories back to first person ----------------------------------------------------------

_SUBJECT = re.compile(
    r"^(?:the\s+)?(?:user|person|speaker|human|member|they|he|she)(?:'s)?\s+|^(?:his|her|their)\s+(?=name\b)",
    re.IGNORECASE,
)
_THIRD_PERSON = (
    (re.compile(r"^name\s+is\b", re.I), "my name is"),
    (re.compile(r"^(?:is\s+called|goes\s+by)\b", re.I), "I go by"),
    (re.compile(r"^(?:does\s+not|doesn't|doesnt)\b", re.I), "I don't"),
    (re.compile(r"^(?:is\s+not|isn't|isnt)\b", re.I), "I am not"),
    (re.compile(r"^has\s+no\s+interest\s+in\b", re.I), "I am not interested in"),
    (re.compile(r"^(?:not\s+interested\s+in)\b", re.I), "I am not interested in"),
    (re.compile(r"^(?:interested\s+in)\b", re.I), "I am interested in"),
    (re.compile(r"^is\b", re.I), "I am"),
    (re.compile(r"^would\s+(?:like|prefer|rather)\b", re.I), None),
    (
        re.compile(
            r"^(?:prefers|likes|loves|enjoys|avoids|dislikes|hates|wants|works|detests|adores|needs)\b", re.I
        ),
        None,
    ),
)
# "... and dislikes crowds": a second verb in the same sentence gets its subject back too.
_LATER_VERB = re.compile(
    r"\b(and|but)\s+(prefers|likes|loves|enjoys|avoids|dislikes|hates|wants|detests)\b", re.IGNORECASE
)
_IMPERATIVE = re.compile(r"^(?:always|never|use|no|don'?t|do\s+not|at\s+most|max|only)\b", re.IGNORECASE)


def to_first_person(sentence: str) -> str | None:
    """ "User prefers lowercase tags" -> "I prefer lowercase tags"; None for sentences about anything else."""
    sentence = sentence.strip().rstrip(".!")
    body = _SUBJECT.sub("", sentence, count=1)
    if _IMPERATIVE.match(body):
        return body
    for pattern, replacement in _THIRD_PERSON:
        match = pattern.match(body)
        if match is None:
            continue
        if replacement is None:  # a verb in the third person: drop its "s"
            verb = match.group(0)
            replacement = "I " + (verb[:-1] if verb.lower().endswith("s") else verb)
        rest = _LATER_VERB.sub(lambda m: f"{m[1]} I {m[2][:-1]}", body[match.end() :])
        return replacement + rest
    return None

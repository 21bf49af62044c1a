"""Liked and avoided topics in one clause ("I love jazz", "I'm not into crypto", "avoid politics")."""

from __future__ import annotations

import re

from bot.understanding._grammar import ADVERBS as _ADVERBS
from bot.understanding._grammar import AM as _AM

_AVOID = re.compile(
    r"^(?:i\s+"
    + _ADVERBS
    + r"(?:avoid|dislike|hate|detest|loathe|despise|(?:don'?t|do\s+not)\s+(?:really\s+)?"
    r"(?:like|love|enjoy|want(?:\s+to\s+(?:see|read|hear)(?:\s+about)?)?|care\s+(?:about|for))|"
    r"(?:can'?t|cannot|can\s+not)\s+stand|(?:'d|would)\s+rather\s+(?:not|avoid)(?:\s+(?:see|read|hear))?(?:\s+about)?|"
    r"never\s+want(?:\s+to\s+(?:see|read|hear)(?:\s+about)?)?)|"
    + _AM
    + _ADVERBS
    + r"(?:not\s+"
    + _ADVERBS
    + r"(?:into|interested\s+in|a\s+fan\s+of|keen\s+on)|"
    r"(?:sick|tired)\s+of|done\s+with)|(?:please\s+)?(?:avoid|skip))\s+(?P<object>.+)$",
    re.IGNORECASE,
)
_LIKE = re.compile(
    r"^(?:i\s+"
    + _ADVERBS
    + r"(?:like|love|enjoy|prefer|adore|dig|fancy)|"
    + _AM
    + _ADVERBS
    + r"(?:into|interested\s+in|(?:a\s+)?(?:big\s+|huge\s+)?fan\s+of|passionate\s+about|"
    r"keen\s+on|fond\s+of))\s+(?P<object>.+)$",
    re.IGNORECASE,
)
_OBJECT_LEAD = re.compile(
    r"^(?:(?:to\s+(?:see|read|hear|learn)|seeing|reading|hearing|learning|talking|anything|everything|stuff|"
    r"things|content|posts|articles|news|topics|subjects|all\s+things|more|any|some|most|the|a|an|my|much|"
    r"about|related\s+to|to\s+do\s+with|on|like|around|regarding|with)\b\s*)+",
    re.IGNORECASE,
)
_OBJECT_TAIL = re.compile(
    r"(?:\s+|-)(?:content|stuff|things|topics|subjects|posts|articles|related|a\s+lot|very\s+much|so\s+much|"
    r"too|as\s+well|anymore|any\s+more|at\s+all|please|in\s+general|in\s+particular|mostly|lately|these\s+days|"
    r"a\s+bit|for\s+sure|really)$",
    re.IGNORECASE,
)
_OBJECT_CUT = re.compile(
    r"\s+(?:over|rather\s+than|instead\s+of|more\s+than|because|since|when|but|as\s+long)\b.*$", re.IGNORECASE
)
_NOT_A_TOPIC = {
    "it",
    "this",
    "that",
    "these",
    "those",
    "you",
    "him",
    "her",
    "them",
    "me",
    "us",
    "when",
    "how",
    "what",
    "to",
    "doing",
    "being",
    "having",
    "one",
    "ones",
    "yours",
    "your",
    "mine",
    "here",
    "there",
    "everything",
    "anything",
    "nothing",
    "something",
    "so",
    "too",
    "which",
    "if",
    "whether",
    "the",
    "a",
    "an",
    "some",
    "all",
}
# The adjective a person says ("political stuff") and the noun they mean: one supersede key for both.
_TOPIC_NOUN = {
    "political": "politics",
    "religious": "religion",
    "economic": "economy",
    "economical": "economy",
    "financial": "finance",
    "scientific": "science",
    "medical": "medicine",
    "musical": "music",
    "historical": "history",
    "sport": "sports",
    "sporting": "sports",
    "technological": "technology",
    "tech": "technology",
    "crypto": "cryptocurrency",
    "cryptocurrencies": "cryptocurrency",
}


def parse_topics(clause: str) -> list[tuple[str, str, str]]:
    """Liked or avoided topics in one clause, as `(stance, key topic, shown topic)`."""
    match = _AVOID.match(clause)
    stance = "avoid"
    if match is None:
        match = _LIKE.match(clause)
        stance = "like"
    if match is None:
        return []
    obj = _OBJECT_CUT.sub("", match["object"]).strip(" .!\"'")
    if re.match(r"^(?:to|when|how|that|it|if)\b", obj, re.IGNORECASE):
        return []
    out: list[tuple[str, str, str]] = []
    for part in re.split(
        r"\s*(?:,|&|\band\b|\bor\b|\bnor\b|\bas\s+well\s+as\b)\s*", obj, flags=re.IGNORECASE
    ):
        topic = _clean_topic(part)
        if topic is not None:
            out.append((stance, topic.lower(), topic))
    return out


def _clean_topic(raw: str) -> str | None:
    topic = raw.strip(" .!\"'")
    for _ in range(3):
        # "I like news" keeps "news": a filler word is only dropped when something is left.
        trimmed = _OBJECT_TAIL.sub("", _OBJECT_LEAD.sub("", topic)).strip(" .!\"'-")
        topic = trimmed or topic
    words = topic.split()
    if not words or len(words) > 5 or topic.lower() in _NOT_A_TOPIC or words[0].lower() in _NOT_A_TOPIC:
        return None
    if any(re.fullmatch(r"(?:hash)?tags?", w, re.IGNORECASE) for w in words):
        return None
    if not re.search(r"[^\W\d_]", topic):
        return None
    if len(words) == 1 and words[0].lower() in _TOPIC_NOUN:
        return _TOPIC_NOUN[words[0].lower()]
    if (
        len(words) == 2
        and words[0].lower() in _TOPIC_NOUN
        and words[1].lower() in {"news", "debates", "issues"}
    ):
        return _TOPIC_NOUN[words[0].lower()]
    return topic

"""Tag-format wishes in one clause: letter case, hashtags, singular or plural, how many tags, tags always or
never used.

A wish needs an opener ("I prefer", "use", "no", "at most", a number...) at the start of the clause, so text
that merely mentions case or hashtags ("this article is about uppercase letters in tags") is no wish.
"""

from __future__ import annotations

import re

from bot.understanding._grammar import ADVERBS as _ADVERBS

_WISH_OPENER = re.compile(
    r"^(?:i\s+" + _ADVERBS + r"(?:prefer|like|love|want|need|enjoy|hate|dislike|avoid|detest|"
    r"(?:don'?t|do\s+not)\s+(?:like|want|need|use|love)|can'?t\s+stand|only\s+want|(?:'d|would)\s+"
    r"(?:like|prefer|love|rather)|want\s+you\s+to\s+use)|i'd\s+(?:like|prefer|love|rather)|"
    r"(?:please\s+)?(?:use|make|keep|write|give\s+me|put|format|return|only\s+use|stick\s+to|go\s+with|add|"
    r"include|tag)\b|(?:my\s+|the\s+)?(?:hash)?tags?\s+(?:should|must|need\s+to|have\s+to|in|as|are|please)\b|"
    r"(?:all\s+)?(?:lower|upper|title)[\s-]?case|all[\s-]caps|no\b|without\b|never\b|always\b|don'?t|do\s+not|"
    r"stop\b|at\s+most|max|no\s+more|not\s+more|up\s+to|only|just|limit|fewer|less|\d|one|two|three|four|five|"
    r"singular|plural|i(?:'m|\s+am)\s+(?:fine|ok|okay|happy|good)\s+with|"
    r"six|seven|eight|nine|ten)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:no|not|don'?t|do\s+not|never|without|stop|avoid|hate|dislike|detest|drop|skip|remove|can'?t\s+stand)\b",
    re.IGNORECASE,
)
_CASES = (
    ("lower", re.compile(r"\b(?:lower[\s-]?case|all\s+lower|small\s+letters)\b", re.IGNORECASE)),
    (
        "upper",
        re.compile(
            r"\b(?:upper[\s-]?case|all[\s-]caps|in\s+caps|capital\s+letters|caps\s+lock)\b", re.IGNORECASE
        ),
    ),
    ("title", re.compile(r"\b(?:title[\s-]?case|capitali[sz]ed|proper\s+case)\b", re.IGNORECASE)),
)
_NUMBER = re.compile(r"\b(?P<number>singular|plural)(?:\s+(?:form|nouns?|words?))?\b", re.IGNORECASE)
_CAPS = re.compile(r"\bcaps\b", re.IGNORECASE)
_TAG_WORD = re.compile(r"\b(?:hash)?tags?\b", re.IGNORECASE)
_HASHTAGS = re.compile(
    r"\bhash[\s-]?tags?\b|#\s*(?:symbols?|signs?|prefix(?:es)?)|\bpound\s+signs?\b", re.IGNORECASE
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a couple of": 2,
    "a few": 3,
}
_NUM = r"(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|a\s+couple\s+of|a\s+few)"
_TAGS = r"\s+(?:[a-z]+\s+)?(?:hash)?tags?\b"
_MAX_TAGS = (
    re.compile(
        r"\b(?P<op>at\s+most|no\s+more\s+than|not\s+more\s+than|max(?:imum)?(?:\s+of)?|up\s+to|"
        r"(?:don'?t|do\s+not)\s+(?:want|need|use|give\s+me)\s+more\s+than|"
        r"(?:only|just)(?:\s+(?:want|need|use|give\s+me|like))?|"
        r"limit(?:ed)?(?:\s+(?:it|them|tags|the\s+tags))?\s+to|fewer\s+than|less\s+than)\s+" + _NUM + _TAGS,
        re.IGNORECASE,
    ),
    re.compile(
        r"\b" + _NUM + _TAGS + r"\s+(?P<op>max(?:imum)?|at\s+most|at\s+the\s+most|or\s+(?:fewer|less)|"
        r"tops|maximum|is\s+enough)",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?P<op>max(?:imum)?|limit)\s+(?:number\s+of\s+)?(?:hash)?tags?\s*(?:is|of|to|=|:|at)?\s*"
        + _NUM
        + r"\b",
        re.IGNORECASE,
    ),
)
_TAG_VALUE = r"(?:[\"'](?P<quoted>[^\"']{1,40})[\"']|#?(?P<word>\w.*))"
_ALWAYS_NEVER = re.compile(
    r"^(?:please\s+)?(?P<mode>always|never|(?:don'?t|do\s+not)\s+ever|(?:don'?t|do\s+not))\s+"
    r"(?:(?:include|add|use|put|append|apply)\s+(?:the\s+|a\s+)?(?:hash)?tag|tag\s+(?:everything|things|"
    r"posts|it|them|my\s+\w+)?\s*(?:with|as)|(?:include|add|use|put|append|apply|tag)(?=\s+[\"'#]))"
    r"\s+" + _TAG_VALUE,
    re.IGNORECASE,
)
_ALWAYS_LOOSE = re.compile(
    r"^(?:please\s+)?(?P<mode>always|never)\s+(?:include|add|tag|use)\s+(?:the\s+|an?\s+(?=[#\"']))?"
    r"(?:(?:hash)?tag\s+)?" + _TAG_VALUE,
    re.IGNORECASE,
)
_TAG_TAIL = re.compile(
    r"\s+(?:as\s+(?:a\s+)?(?:hash)?tags?|in\s+(?:my\s+|the\s+|all\s+)?(?:hash)?tags?|"
    r"tags?|please|too|as\s+well|everywhere|on\s+everything)$",
    re.IGNORECASE,
)


def parse_format(clause: str) -> list[tuple[str, str, str]]:
    """Tag-format wishes in one clause as `(key, value, shown)`; empty when the clause is not a wish."""
    if not _WISH_OPENER.match(clause):
        return []
    wishes: list[tuple[str, str, str]] = []
    always = _always_never(clause)
    if always is not None:
        return [always]
    for count in _max_tags(clause):
        wishes.append(("format:max_tags", str(count), str(count)))
    case = _case(clause)
    if case is not None and not _negated_before(clause, case[1]):
        wishes.append(("format:case", case[0], case[0]))
    if (number := _NUMBER.search(clause)) and not _negated_before(clause, number.start()):
        wishes.append(("format:number", number["number"].lower(), number["number"].lower()))
    if hashtags := _HASHTAGS.search(clause):
        value = "no" if _negated_before(clause, hashtags.start()) else "yes"
        wishes.append(("format:hashtags", value, value))
    return wishes


def _negated_before(clause: str, position: int) -> bool:
    # Negation binds to what follows it: "lowercase tags without hashtags" wants lowercase, not hashtags.
    return bool(_NEGATION.search(clause[:position]))


def _case(clause: str) -> tuple[str, int] | None:
    for name, pattern in _CASES:
        if match := pattern.search(clause):
            return name, match.start()
    if (match := _CAPS.search(clause)) and _TAG_WORD.search(clause):  # "tags in caps", "caps tags"
        return "upper", match.start()
    return None


def _max_tags(clause: str) -> list[int]:
    for pattern in _MAX_TAGS:
        if match := pattern.search(clause):
            raw = re.sub(r"\s+", " ", match["n"].lower())
            count = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
            if re.match(r"(?:fewer|less)\s+than", match["op"], re.IGNORECASE):
                count -= 1
            if 1 <= count <= 20:
                return [count]
    return []


def _always_never(clause: str) -> tuple[str, str, str] | None:
    match = _ALWAYS_NEVER.match(clause) or _ALWAYS_LOOSE.match(clause)
    if match is None:
        return None
    raw = match["quoted"]
    if raw is None:
        raw = match["word"]
        for _ in range(3):
            raw = _TAG_TAIL.sub("", raw.strip(" #.!,"))
    raw = raw.strip(" #.!,")
    slug = re.sub(r"[\s_]+", "-", raw.lower())
    if (
        not slug
        or len(raw.split()) > 3
        or slug in {"hashtag", "hashtags", "tag", "tags", "it", "them", "that", "this"}
    ):
        return None
    mode = match["mode"].lower()
    return f"format:always:{slug}", "yes" if mode == "always" else "no", raw

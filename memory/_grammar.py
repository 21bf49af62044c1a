"""The statement grammar behind `memory.extract`: normalising, splitting into clauses, reading each clause.

Every pattern is anchored at the start of a clause, after harmless fillers ("oh and", "btw", "please"), so
the subject must be the speaker ("I ...", "my name is ...") or the clause an instruction to the bot ("use
lowercase tags"). "Bob likes politics" and "this article is about uppercase letters" therefore match nothing.
"""

from __future__ import annotations

import re

# --- normalising and splitting -------------------------------------------------------------------

_TYPOGRAPHY = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "`": "'", "\u201c": '"', "\u201d": '"'}
)
_URL = re.compile(r"<?(?:https?://|www\.)[^\s>]+>?", re.IGNORECASE)
_MENTION = re.compile(r"<[@#!][^>]*>")  # Slack / Discord user and channel mentions

# A clause boundary is a comma or conjunction followed by something that starts a statement of its own.
_STARTER = (
    r"(?:i\b|i'm\b|im\b|i'd\b|my\s+name\b|call\s+me\b|please\b|always\b|never\b|use\b|don'?t\b|do\s+not\b|"
    r"no\s+(?:more\s+than\b|hash)|avoid\b|at\s+most\b|max(?:imum)?\b|"
    r"(?:do|does|did|can|could|would|will|what|how|why)\s+you\b|"
    r"(?:really\s+|also\s+|totally\s+)*(?:like|love|enjoy|prefer|adore|dislike|hate|detest|want)\b)"
)
_CLAUSE_BREAK = re.compile(
    r"(?:\s*(?:,|;|\band\b|\bbut\b|\bplus\b|\balso\b|\bso\b|\bwhile\b)\s*)+(?=" + _STARTER + ")",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"([.!?;:]+(?=\s|$)|\n+|\s+-\s+)")
_BARE_VERB = re.compile(
    r"^(?:(?:really|also|totally|absolutely|just|kinda)\s+)*(?:like|love|enjoy|prefer|adore|dislike|hate|detest|"
    r"avoid|don'?t|do\s+not|can'?t|cannot|work\s+as|am)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^(?:(?:oh|ok(?:ay)?|well|also|and|but|so|plus|btw|by\s+the\s+way|fyi|ps|actually|honestly|anyway|hey|yes|"
    r"yeah|hmm+|just\s+so\s+you\s+know|for\s+the\s+record|for\s+future\s+reference|(?:please\s+)?(?:remember|"
    r"note|keep\s+in\s+mind)(?:\s+that)?|please)\b[\s,:]*)+",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"^(?:do|does|did|can|could|would|will|should|shall|is|are|am|was|were|have|has|what|who|whom|whose|how|why|"
    r"where|when|which|may|might)\b",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """Straight apostrophes, no links or mentions, single spaces."""
    text = _MENTION.sub(" ", _URL.sub(" ", text.translate(_TYPOGRAPHY)))
    return re.sub(r"[ \t]+", " ", text).strip()


def clauses(text: str) -> list[str]:
    """Statement-sized pieces; a verb continuing a statement ("... and avoid X") gets its "I" back."""
    out: list[str] = []
    pieces = _SENTENCE_BREAK.split(text)
    for sentence, end in zip(pieces[::2], [*pieces[1::2], ""], strict=True):
        parts = _CLAUSE_BREAK.split(sentence)
        single_question = len(parts) == 1 and "?" in end
        for part in parts:
            part = _FILLER.sub("", part.strip(" ,")).strip(" ,")
            if not part or single_question or _QUESTION.match(part):
                continue
            if _BARE_VERB.match(part) and out and re.match(r"i\b|i'm\b", out[-1], re.IGNORECASE):
                part = "I " + part
            out.append(part)
    return out


# --- identity: name and role ---------------------------------------------------------------------

_NAME = re.compile(
    r"^(?:my\s+name\s+is|my\s+name's|call\s+me|you\s+(?:can|may)\s+call\s+me|i(?:'m|\s+am|m)\s+called|"
    r"i\s+go\s+by|people\s+call\s+me|the\s+name'?s)\s+(?P<name>[^\W\d_][\w'\-]*(?:\s+[^\W\d_][\w'\-]*){0,2})",
    re.IGNORECASE,
)
_NOT_A_NAME = {
    "later",
    "back",
    "anytime",
    "now",
    "tomorrow",
    "maybe",
    "when",
    "if",
    "please",
    "sometime",
    "soon",
    "not",
    "a",
    "an",
    "the",
    "going",
    "whatever",
    "anything",
    "tonight",
    "asap",
}
_NAME_STOP = {"and", "but", "or", "so", "please", "thanks", "from", "by", "not", "here", "btw", "because"}
_ADVERBS = (
    r"(?:(?:really|truly|absolutely|totally|just|also|mostly|generally|usually|actually|definitely|honestly|"
    r"personally|still|do|especially|particularly|kinda|kind\s+of|sort\s+of|quite|very|so|pretty|always)\s+)*"
)
_AM = r"(?:i'm|im|i\s+am)\s+"
_ROLES = (
    # "I'm a/an X" needs its article, or "I'm tired" would be a role.
    re.compile(r"^" + _AM + _ADVERBS + r"(?P<article>an?\s+)(?P<role>.+)$", re.IGNORECASE),
    re.compile(
        r"^(?:i\s+work\s+as|i(?:'m|\s+am)\s+working\s+as|my\s+(?:job|role|profession|occupation)\s+is)"
        r"\s+(?P<article>an?\s+)?(?P<role>.+)$",
        re.IGNORECASE,
    ),
)
_ROLE_CUT = re.compile(
    r"\s+(?:at|for|in|with|who|that|and|but|from|since|because|by|on|of)\b.*$|[,()].*$", re.IGNORECASE
)
_NOT_A_ROLE = {"bit", "little", "lot", "fan", "big", "huge", "kind", "sort", "couple", "few", "real", "total"}


def parse_identity(clause: str) -> tuple[str, str, str] | None:
    """`("name" | "role", shown text, value)` for "my name is X" / "I'm a X", else None."""
    if match := _NAME.match(clause):
        words: list[str] = []
        for word in match["name"].split():
            if word.lower() in _NAME_STOP:
                break
            words.append(word)
        if not words or words[0].lower() in _NOT_A_NAME:
            return None
        shown = " ".join(w if any(c.isupper() for c in w) else w.capitalize() for w in words)
        return "name", shown, " ".join(words).lower()
    match = _ROLES[0].match(clause) or _ROLES[1].match(clause)
    if match is None:
        return None
    role = _ROLE_CUT.sub("", match["role"]).strip(" .!\"'")
    role_words = role.split()
    if not role_words or len(role_words) > 4 or role_words[0].lower() in _NOT_A_ROLE:
        return None
    if not all(re.fullmatch(r"[^\W\d_][\w'\-/+.]*", w) for w in role_words):
        return None
    article = (match["article"] or ("an" if role[0].lower() in "aeiou" else "a")).strip().lower()
    return "role", f"{article} {role}", role.lower()


# --- tag-format wishes ---------------------------------------------------------------------------

_WISH_OPENER = re.compile(
    r"^(?:i\s+" + _ADVERBS + r"(?:prefer|like|love|want|need|enjoy|hate|dislike|avoid|detest|"
    r"(?:don'?t|do\s+not)\s+(?:like|want|need|use|love)|can'?t\s+stand|only\s+want|(?:'d|would)\s+"
    r"(?:like|prefer|love|rather)|want\s+you\s+to\s+use)|i'd\s+(?:like|prefer|love|rather)|"
    r"(?:please\s+)?(?:use|make|keep|write|give\s+me|put|format|return|only\s+use|stick\s+to|go\s+with|add|"
    r"include|tag)\b|(?:my\s+|the\s+)?(?:hash)?tags?\s+(?:should|must|need\s+to|have\s+to|in|as|are|please)\b|"
    r"(?:all\s+)?(?:lower|upper|title)[\s-]?case|all[\s-]caps|no\b|without\b|never\b|always\b|don'?t|do\s+not|"
    r"stop\b|at\s+most|max|no\s+more|not\s+more|up\s+to|only|just|limit|fewer|less|\d|one|two|three|four|five|"
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
    r"^(?:please\s+)?(?P<mode>always|never)\s+(?:include|add|tag|use)\s+(?:the\s+)?"
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


# --- liked and avoided topics --------------------------------------------------------------------

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


# --- stored memories back to first person --------------------------------------------------------

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

"""The statement grammar behind `memory.extract`: normalising, splitting into clauses, identity statements.

Format wishes live in `memory._format_grammar`, liked and avoided topics in `memory._topic_grammar`.
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
# Shared with the other grammar modules: adverbs allowed between subject and verb, and "I am" spelled any way.
ADVERBS = (
    r"(?:(?:really|truly|absolutely|totally|just|also|mostly|generally|usually|actually|definitely|honestly|"
    r"personally|still|do|especially|particularly|kinda|kind\s+of|sort\s+of|quite|very|so|pretty|always)\s+)*"
)
AM = r"(?:i'm|im|i\s+am)\s+"
_ROLES = (
    # "I'm a/an X" needs its article, or "I'm tired" would be a role.
    re.compile(r"^" + AM + ADVERBS + r"(?P<article>an?\s+)(?P<role>.+)$", re.IGNORECASE),
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

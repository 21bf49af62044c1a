"""What a message asks for, for the offline model: tagging is the default, a few kinds of chat are not.

A real LLM works this out from the instructions; the offline model needs it spelled out. Misreading chat as
content only costs a few odd tags, but misreading "what do you remember about Bob?" as a request about the
speaker would be wrong, so questions about anyone else get their own intent and a refusal.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.understanding._grammar import normalise
from bot.understanding.rules import Understood

Intent = Literal[
    "empty",
    "greeting",
    "thanks",
    "recall",
    "other_person",
    "help",
    "statement",
    "question_about_me",
    "follow_up",
    "question",
    "tag",
]

__all__ = ["Intent", "detect_intent"]

_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|heya|yo|howdy|greetings|good\s+(?:morning|afternoon|evening|day)|hey\s+there|"
    r"hi\s+there|hello\s+there)(?:\s+(?:bot|memorybot|there|all|everyone|friend))?$"
)
_THANKS = re.compile(
    r"^(?:thanks|thank\s+you|thx|ty|cheers|much\s+appreciated|great|nice|cool|ok|okay|perfect|awesome|bye|"
    r"goodbye|see\s+you)(?:\s+(?:so\s+much|a\s+lot|very\s+much|again|bot|memorybot|mate))*$"
)
_RECALL = re.compile(
    r"\b(?:what|which\s+things)\b.*\byou\b.*\b(?:remember|know|recall|stored?|saved?|learned|have)\b.*"
    r"\b(?:me|my|i)\b|^what\s+do\s+you\s+(?:remember|know)$|\btell\s+me\s+what\s+you\s+(?:know|remember)\b|"
    r"\b(?:show|list|tell)\b.*\bmy\s+(?:memories|preferences|profile)\b|\bwhat\s+are\s+my\s+(?:preferences|"
    r"memories|settings)\b|\bdo\s+you\s+(?:remember|know)\s+me\b|\bwho\s+am\s+i\b|\bwhat(?:'s|\s+is)\s+in\s+"
    r"your\s+memory\b|\bwhat\s+do\s+i\s+(?:like|prefer|avoid)\b"
)
_MEMORY = r"(?:remember|remembered|memories|memory|stored?|saved?|preferences)"
_SELF = {"me", "myself", "my", "mine", "i", "you", "yourself", "it", "this", "that", "them", "us"}
_OTHER_PERSON = (
    re.compile(r"\b(?P<who>[a-z][\w.\-]*)'s\s+(?:memories|memory|preferences|profile|settings)\b"),
    re.compile(r"\b" + _MEMORY + r"\b.*\babout\s+(?:the\s+)?(?P<who>[a-z][\w.\-]*)\b"),
    re.compile(r"\bwhat\s+(?:does|did)\s+(?P<who>[a-z][\w.\-]*)\s+(?:like|prefer|avoid|want|hate|love)\b"),
    re.compile(r"\b(?P<who>other\s+(?:users?|people|person)|everyone|everybody|anyone|somebody|someone)\b.*\b"
               + _MEMORY),
    re.compile(r"\b" + _MEMORY + r"\b.*\b(?P<who>other\s+(?:users?|people|person)|everyone|everybody|"
               r"anyone)\b"),
)  # fmt: skip
_HELP = re.compile(
    r"^(?:help|/help|\?+|commands|what\s+can\s+you\s+do|how\s+(?:do|does|can)\s+(?:i|this|it|you)\s+(?:use|work)"
    r"|how\s+does\s+this\s+work|who\s+are\s+you|what\s+are\s+you|what\s+do\s+you\s+do|how\s+do\s+i\s+use\s+you"
    r"|help\s+me|usage|instructions)\b"
)
_QUESTION_START = re.compile(
    r"^(?:what|who|whom|whose|why|how|when|where|which|do|does|did|can|could|would|will|should|is|are|am|was|"
    r"were)\b"
)
_WORD = re.compile(r"[\w']+")


def detect_intent(text: str, understood: Understood, *, has_links: bool = False) -> Intent:
    """Classify one message.

    Args:
        text: The message as typed (links included; they are ignored here).
        understood: What the offline extractor made of it (operations, a question, a follow-up).
        has_links: Whether shared links were read for it; shared content is always something to tag.
    """
    if has_links:
        return "tag"
    plain = normalise(text)
    simple = " ".join(_WORD.findall(plain.lower().replace("\u2019", "'")))
    if not simple:
        return "empty"
    if _asks_about_someone_else(simple):
        return "other_person"
    if understood.question is not None:
        return "question_about_me"
    if _RECALL.search(simple):
        return "recall"
    if understood.follow_up is not None:
        return "follow_up"
    if understood.operations and understood.statement_only:
        return "statement"
    if _GREETING.match(simple):
        return "greeting"
    if _THANKS.match(simple):
        return "thanks"
    if _HELP.match(simple):
        return "help"
    if plain.rstrip().endswith("?") and len(simple.split()) <= 12 and _QUESTION_START.match(simple):
        return "question"
    return "tag"


def _asks_about_someone_else(simple: str) -> bool:
    for pattern in _OTHER_PERSON:
        for match in pattern.finditer(simple):
            who = match["who"]
            if who not in _SELF and who not in {"what", "which", "the", "a", "your", "this"}:
                return True
    return False

"""The offline extractor: what a message means, by rules, as the same typed operations an LLM emits.

It reads the *message* (never a stored memory): statements ("I prefer lowercase tags") become `Add`s,
retractions ("I no longer avoid politics", "I'm ok with politics now", "stop skipping politics", "forget that
I avoid politics") become `Remove`s, "forget what I said about my dog" a `Forget`, and corrections of the
last tags ("no — basketball, not points") an `Add` marked as a correction. It also recognises questions about
oneself and follow-ups on the thread's last tags, which are not memory operations but tell the offline model
what to answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.understanding._grammar import clauses, normalise
from bot.understanding._statements import ExtractedFact, extract_facts
from bot.understanding.operations import Add, Forget, Operation, Remove
from bot.understanding.preferences import Preference, slug

__all__ = ["FollowUp", "Question", "Understood", "preference_of", "understand"]

QuestionKind = Literal["name", "likes", "shared"]
FollowUpKind = Literal["shorter", "add", "drop"]


@dataclass(frozen=True, slots=True)
class Question:
    kind: QuestionKind
    subject: str = ""


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A request about the thread's last tags ("make them shorter", "add one about databases")."""

    kind: FollowUpKind
    subject: str = ""


@dataclass(frozen=True, slots=True)
class Understood:
    operations: list[Operation] = field(default_factory=list)
    question: Question | None = None
    follow_up: FollowUp | None = None
    statement_only: bool = False
    """Nothing in the message is content to tag: it only states or retracts things about the speaker."""


_FORMAT_KINDS = {
    "format:case": "format.case",
    "format:hashtags": "format.hashtags",
    "format:max_tags": "format.max_tags",
    "format:number": "format.number",
}


def preference_of(fact: ExtractedFact) -> Preference | None:
    """The grammar's fact as a typed preference (None when it does not fit the schema)."""
    key, value, shown = fact.key, fact.value, fact.shown or fact.value
    try:
        if key == "identity:name":
            return Preference(kind="identity.name", value=shown)
        if key == "identity:role":
            return Preference(kind="identity.role", value=value)
        if key.startswith("format:always:"):
            tag = key.removeprefix("format:always:")
            shown_tag = shown.strip("'\" #") or tag
            if value == "yes":
                return Preference(kind="tag.always", subject=slug(tag), value=shown_tag)
            return Preference(kind="tag.never", subject=slug(tag), value=shown_tag)
        if key in _FORMAT_KINDS:
            return Preference.model_validate({"kind": _FORMAT_KINDS[key], "value": value})
        if key.startswith("topic:"):
            return Preference(kind="topic", subject=key.removeprefix("topic:"), value=value)
    except ValueError:
        return None
    return None


def _prefs(text: str) -> list[Preference]:
    return [p for f in extract_facts(text) if (p := preference_of(f)) is not None]


# --- questions -------------------------------------------------------------------------------------

_Q_NAME = re.compile(
    r"^(?:so\s+|and\s+|hey\s+|btw\s+)?(?:what(?:'s|s|\s+is)\s+my\s+name|do\s+you\s+(?:know|remember)\s+my\s+name|"
    r"what\s+do\s+you\s+call\s+me|what\s+did\s+i\s+say\s+my\s+name\s+(?:is|was)|tell\s+me\s+my\s+name)\b",
    re.IGNORECASE,
)
_Q_LIKES = re.compile(
    r"^(?:so\s+)?do\s+i\s+(?:really\s+)?(?:like|love|enjoy|avoid|hate|dislike)\s+(?P<x>[^?]+?)\s*\??$", re.I
)
_Q_SHARED = re.compile(
    r"^what\s+(?:did|have)\s+i\s+(?:ever\s+)?(?:share|shared|send|sent|post|posted|tag|tagged|tell\s+you)\s+"
    r"(?:with\s+you\s+)?(?:about|on|regarding)\s+(?P<x>[^?]+?)\s*\??$",
    re.IGNORECASE,
)


def _question(plain: str) -> Question | None:
    if _Q_NAME.match(plain):
        return Question("name")
    if match := _Q_LIKES.match(plain):
        return Question("likes", match["x"].strip(" .!").lower())
    if match := _Q_SHARED.match(plain):
        return Question("shared", match["x"].strip(" .!").lower())
    return None


# --- retractions and forgetting ----------------------------------------------------------------------

_NO_LONGER = re.compile(
    r"^i\s+(?:no\s+longer|don'?t\s+any\s*more|do\s+not\s+any\s*more|stopped)\s+(?P<rest>.+)$", re.IGNORECASE
)
_NOT_ANYMORE = re.compile(
    r"^(?P<subject>i|i'm|im|i\s+am)\s+(?:don'?t|do\s+not|not)\s+(?P<rest>.+?)\s+(?:any\s*more|now)$", re.I
)
_DONT_AVOID = re.compile(
    r"^i\s+(?:don'?t|do\s+not)\s+(?:really\s+)?(?:avoid|mind|hate|dislike)\s+(?P<obj>.+)$", re.IGNORECASE
)
_FINE_WITH = re.compile(
    r"^(?:i'?m|im|i\s+am)\s+(?:now\s+|actually\s+|totally\s+)?(?:fine|ok|okay|good|cool|alright|happy)\s+with\s+"
    r"(?P<obj>.+?)(?:\s+(?:now|again|these\s+days|after\s+all|from\s+now\s+on))?$",
    re.IGNORECASE,
)
_STOP_AVOIDING = re.compile(
    r"^(?:please\s+)?(?:stop|quit)\s+(?:avoiding|skipping|filtering(?:\s+out)?|hiding|leaving\s+out)\s+"
    r"(?P<obj>.+)$",
    re.IGNORECASE,
)
_STOP_USING = re.compile(
    r"^(?:please\s+)?(?:stop|quit)\s+(?:using|adding|including|putting|giving\s+me)\s+(?P<what>.+)$", re.I
)
_STOP_TAGGING = re.compile(
    r"^(?:please\s+)?(?:stop|quit)\s+tagging\s+(?:things|stuff|it|them|posts|everything|my\s+\w+\s+)?\s*"
    r"(?:with|as)\s+(?P<tag>.+)$",
    re.IGNORECASE,
)
_FORGET_ABOUT = re.compile(
    r"^(?:please\s+)?forget\s+(?:(?:what|everything|anything|all)\s+(?:that\s+)?i\s+(?:said|told\s+you|shared|"
    r"mentioned)\s+)?(?:about|regarding|concerning)\s+(?P<desc>.+)$",
    re.IGNORECASE,
)
_FORGET_THAT = re.compile(r"^(?:please\s+)?forget\s+(?:that\s+)?(?P<rest>(?:i\b|i'm\b|im\b|my\s+).+)$", re.I)
_FORGET_MY = re.compile(r"^(?:please\s+)?forget\s+my\s+(?P<what>name|role|job|language)$", re.IGNORECASE)


def _retract(prefs: list[Preference]) -> list[Operation]:
    ops: list[Operation] = []
    for pref in prefs:
        if pref.kind == "topic":
            ops.append(Remove(key=pref.key, value=pref.value))
        elif pref.kind in ("tag.always", "tag.never", "tag.instead"):
            ops.append(Remove(key=pref.key))
        else:
            ops.append(Remove(key=pref.key, value=pref.value if pref.kind.startswith("format.") else None))
    return ops


def _topic_retraction(obj: str) -> list[Operation]:
    """ "politics" in "I'm ok with politics now": a topic no longer avoided, or a format wish now accepted."""
    wish = _prefs(f"I want {obj}")
    if wish and all(p.kind.startswith("format.") for p in wish):
        return [Add(preference=p) for p in wish]
    topics = [p for p in _prefs(f"I avoid {obj}") if p.kind == "topic"]
    return [Remove(key=p.key, value="avoid") for p in topics]


def _stop_using(what: str) -> list[Operation]:
    what = what.strip(" .!")
    if re.fullmatch(r"(?:the\s+)?hash\s*tags?|#|the\s+#", what, re.IGNORECASE):
        return [Add(preference=Preference(kind="format.hashtags", value="no"))]
    wish = _prefs(f"I want {what}")
    if wish and all(p.kind in ("format.case", "format.number") for p in wish):
        return [Remove(key=p.key, value=p.value) for p in wish]
    tag = re.sub(r"^(?:the\s+)?(?:(?:hash)?tag\s+)?|\s+(?:hash)?tags?$", "", what, flags=re.IGNORECASE)
    return _never(tag)


def _never(tag: str) -> list[Operation]:
    tag = tag.strip(" '\"`#.!")
    if not tag or len(tag.split()) > 3:
        return []
    try:
        return [Add(preference=Preference(kind="tag.never", subject=slug(tag), value=tag))]
    except ValueError:
        return []


def _clause_operations(clause: str) -> list[Operation] | None:
    """Retractions and forgetting in one clause; None when the clause is none of those."""
    if match := _FORGET_MY.match(clause):
        what = match["what"].lower()
        key = {"name": "identity.name", "language": "reply.language"}.get(what, "identity.role")
        return [Remove(key=key)]
    if match := _FORGET_THAT.match(clause):
        return _retract(_prefs(match["rest"]))
    if match := _FORGET_ABOUT.match(clause):
        return [Forget(description=match["desc"].strip(" .!?"))]
    if match := _NO_LONGER.match(clause):
        return _retract(_prefs("I " + match["rest"]))
    if match := _NOT_ANYMORE.match(clause):
        subject = "I'm" if match["subject"].lower() != "i" else "I"
        positive = _prefs(f"{subject} {match['rest']}")
        if positive:
            return _retract(positive)
        if subject == "I'm" and (role := re.match(r"(?:an?\s+)(?P<role>.+)$", match["rest"], re.IGNORECASE)):
            return [Remove(key="identity.role", value=role["role"].lower())]
    if match := _DONT_AVOID.match(clause):
        return _topic_retraction(match["obj"])
    if match := _FINE_WITH.match(clause):
        return _topic_retraction(match["obj"])
    if match := _STOP_AVOIDING.match(clause):
        return _topic_retraction(match["obj"])
    if match := _STOP_TAGGING.match(clause):
        return _never(match["tag"])
    if match := _STOP_USING.match(clause):
        return _stop_using(match["what"])
    return None


# --- language ----------------------------------------------------------------------------------------

_LANGUAGES = (
    "english french german spanish italian portuguese dutch polish swedish norwegian danish finnish czech "
    "greek turkish russian ukrainian japanese chinese korean hindi arabic hebrew indonesian vietnamese"
).split()
_LANGUAGE = re.compile(
    r"^(?:please\s+)?(?:(?:reply|answer|respond|talk|write|speak)(?:\s+to\s+me)?|i\s+(?:prefer|want|'d\s+like)\s+"
    r"(?:replies|answers)|(?:my\s+)?replies\s+(?:should\s+be))\s+in\s+(?P<lang>[a-z]+)(?:\s+please)?$",
    re.IGNORECASE,
)


def _language(clause: str) -> list[Operation] | None:
    match = _LANGUAGE.match(clause)
    if match is None or match["lang"].lower() not in _LANGUAGES:
        return None
    return [Add(preference=Preference(kind="reply.language", value=match["lang"].capitalize()))]


# --- corrections and follow-ups on the last tags -------------------------------------------------------

_TAG = r"[#\w][\w\-.+#]*(?:\s[\w\-.+]+)?"
_LEAD = r"^(?:no|nope|wrong|not\s+quite|actually)?[\s,.!:—–-]*"
_CORRECTIONS = (
    re.compile(_LEAD + r"(?P<good>" + _TAG + r")\s*[,;—–-]+\s*not\s+(?P<bad>" + _TAG + r")$", re.IGNORECASE),
    re.compile(_LEAD + r"not\s+(?P<bad>" + _TAG + r")\s*[,;—–-]+\s*(?P<good>" + _TAG + r")$", re.IGNORECASE),
    re.compile(r"^(?:no|nope|wrong|actually)?[\s,.!:—–-]*(?:please\s+)?(?:use|say|tag\s+(?:it|that|them)(?:\s+as)?|"
               r"call\s+it)\s+(?P<good>" + _TAG + r")\s+(?:instead\s+of|rather\s+than|not)\s+(?P<bad>" + _TAG
               + r")$", re.IGNORECASE),
)  # fmt: skip
_NOT_THAT = re.compile(
    r"^(?:no|nope|wrong)[\s,.!:—–-]+(?:not|no|never)\s+(?P<bad>" + _TAG + r")(?:\s+please)?$", re.IGNORECASE
)
_SHORTER = re.compile(
    r"^(?:(?:can\s+you|could\s+you|please)\s+)?(?:make\s+(?:them|the\s+tags|those|these|it)\s+(?:a\s+bit\s+)?"
    r"(?:shorter|more\s+concise|brief(?:er)?)|shorter(?:\s+tags)?(?:\s+please)?|fewer\s+words)\b",
    re.IGNORECASE,
)
_ADD_ONE = re.compile(
    r"^(?:(?:can\s+you|could\s+you|please|and|also)\s+)*(?:add|include|append)\s+(?:one|a\s+tag|another(?:\s+one)?|"
    r"a\s+tag|tags?)?\s*(?:about|for|on)?\s*(?P<x>[^?.!]+?)(?:\s+(?:too|as\s+well|please))?\s*[?.!]?$",
    re.IGNORECASE,
)
_DROP = re.compile(
    r"^(?:(?:can\s+you|could\s+you|please)\s+)?(?:drop|remove|delete|lose)\s+(?:the\s+)?(?:tag\s+)?"
    r"(?P<x>[#\w][\w\-.+]*)(?:\s+tag)?(?:\s+please)?\s*[?.!]?$",
    re.IGNORECASE,
)


def _correction(plain: str) -> list[Operation] | None:
    if match := _NOT_THAT.match(plain):
        return [
            Add(preference=op.preference, correction=True)
            for op in _never(match["bad"])
            if isinstance(op, Add)
        ]
    for pattern in _CORRECTIONS:
        if match := pattern.match(plain):
            good, bad = match["good"].strip(" #'\"`"), match["bad"].strip(" #'\"`")
            if slug(good) and slug(bad) and slug(good) != slug(bad):
                pref = Preference(kind="tag.instead", subject=slug(bad), value=slug(good))
                return [Add(preference=pref, correction=True)]
    return None


def _follow_up(plain: str) -> FollowUp | None:
    if _SHORTER.match(plain):
        return FollowUp("shorter")
    if match := _DROP.match(plain):
        return FollowUp("drop", slug(match["x"]))
    if match := _ADD_ONE.match(plain):
        subject = match["x"].strip(" .!?'\"#")
        if subject and len(subject.split()) <= 3:
            return FollowUp("add", subject)
    return None


# --- the whole message -----------------------------------------------------------------------------------

_WORD = re.compile(r"[\w']+")
_SMALL_TALK = frozenset(
    "hi hello hey thanks thank you ok okay please also btw and so oh well yes yeah great cool nice bot "
    "actually now".split()
)


def understand(text: str, *, in_thread: bool = False) -> Understood:
    """What one message asks or tells, as operations (plus a question or a follow-up, if any).

    Args:
        text: The message as typed.
        in_thread: The thread has earlier tags, so short corrections and follow-ups refer to them.
    """
    plain = normalise(text).strip()
    bare = plain.rstrip(" ?!.")
    question = _question(bare)
    if question is not None:
        return Understood(question=question)
    if in_thread:
        if (ops := _safely(_correction, bare)) is not None:
            return Understood(operations=ops, statement_only=True)
        if (follow := _follow_up(plain)) is not None:
            return Understood(follow_up=follow)
    operations: list[Operation] = []
    leftover: list[str] = []
    for clause in clauses(plain):
        found = _operations_in(clause)
        if found:
            operations.extend(found)
        else:
            leftover.extend(w for w in _WORD.findall(clause.lower()) if w not in _SMALL_TALK)
    operations = _last_word_per_key(operations)
    return Understood(operations=operations, statement_only=bool(operations) and len(leftover) <= 3)


def _operations_in(clause: str) -> list[Operation] | None:
    found = _safely(_clause_operations, clause)
    if found is None:
        found = _safely(_language, clause)
    if found is None:
        found = [Add(preference=p) for p in _prefs(clause)]
    return found


def _safely(rule: Callable[[str], list[Operation] | None], text: str) -> list[Operation] | None:
    """A rule whose match does not fit the model (a 300-character "tag") understood nothing."""
    try:
        return rule(text)
    except ValueError:  # pydantic's ValidationError included
        return None


def _last_word_per_key(operations: list[Operation]) -> list[Operation]:
    """A message that contradicts itself: its last word on each key counts."""
    out: dict[str, Operation] = {}
    for index, op in enumerate(operations):
        if isinstance(op, Add):
            key = op.preference.key
        elif isinstance(op, Remove):
            key = op.key or op.memory_id or str(index)
        else:
            key = f"forget:{index}"
        out.pop(key, None)
        out[key] = op
    return list(out.values())

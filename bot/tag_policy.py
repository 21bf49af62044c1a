"""The typed profile applied to candidate tags, the same way for every model.

The offline model shapes its keyphrases with this, and the agent's output check passes a real LLM's tags
through it too: an LLM reads "Avoids politics" in its instructions and usually obeys, this makes it always so.
It reads only the `Profile` (folded from memory metadata and this message's operations), never text.
Applying it twice changes nothing, so the offline model's answer passes the check untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.keyphrases import slug
from bot.topics import SimilarFn, TopicJudge
from bot.understanding.number import to_number
from bot.understanding.preferences import Profile

DEFAULT_MAX_TAGS = 5

__all__ = ["DEFAULT_MAX_TAGS", "ShapedTags", "shape_tags", "unformat"]


@dataclass(frozen=True, slots=True)
class ShapedTags:
    tags: list[str]
    """Final tags, formatted (case, `#`) and limited."""
    skipped: dict[str, list[str]] = field(default_factory=dict)
    """Avoided topic -> the candidate tags dropped because of it."""
    favoured: list[str] = field(default_factory=list)
    """Liked topics the content touched; their tags went first."""
    applied: list[str] = field(default_factory=list)
    """Supersede keys of the preferences that changed or formatted the tags."""
    notes: list[str] = field(default_factory=list)
    """Which preferences shaped the tags, in short phrases ("lowercase", "skipped politics as you asked")."""


def shape_tags(
    candidates: Sequence[str],
    prefs: Profile,
    similar: SimilarFn | None,
    *,
    default_max: int = DEFAULT_MAX_TAGS,
) -> ShapedTags:
    """Filter, favour, complete, limit and format candidate tags by one person's preferences.

    Args:
        candidates: Tags or phrases, best first, in any format ("Machine Learning", "#python").
        prefs: The speaker's profile in force (guidance, their memories, this message).
        similar: Embedding similarity for topic matching beyond shared words; None to match words only.
        default_max: How many tags when the person never said.
    """
    limit = prefs.max_tags or default_max
    avoid = TopicJudge(prefs.avoids, similar, second_opinion=True)
    like = TopicJudge(prefs.likes, similar)
    always = [s for s in dict.fromkeys(_number(slug(a), prefs) for a in prefs.always) if s]
    never = {slug(n) for n in prefs.never}
    applied: list[str] = []

    def instead(tag: str) -> str:
        better = prefs.instead.get(tag)
        if better is None:
            return tag
        applied.append(f"tag.instead:{tag}")
        return better

    chosen: dict[str, bool] = {}  # ordered set: True for tags that go first (about a liked topic)
    skipped: dict[str, list[str]] = {}
    favoured: list[str] = []
    for tag in dict.fromkeys(_number(instead(slug(c)), prefs) for c in candidates):
        if not tag or tag in always or tag in chosen:
            continue
        if tag in never:
            applied.append(f"tag.never:{tag}")
            continue
        if len(always) + len(chosen) >= limit:
            break  # enough: the rest would be cut anyway, spare the similarity calls
        topic = avoid.about(tag)
        if topic is not None:
            skipped.setdefault(topic, []).append(tag)
            continue
        liked = like.about(tag)
        if liked is None:
            chosen[tag] = False
            continue
        favoured.append(liked)
        topic_tag = slug(liked)
        if topic_tag not in never and topic_tag not in always and avoid.about(topic_tag) is None:
            chosen[topic_tag] = True  # the liked topic itself becomes a tag when the content touches it
        chosen[tag] = True
    first = [t for t, liked_tag in chosen.items() if liked_tag]
    rest = [t for t, liked_tag in chosen.items() if not liked_tag]
    tags = [*always, *first, *rest][: max(limit, len(always))]

    applied += [f"tag.always:{slug(a)}" for a in prefs.always]
    applied += [f"topic:{t}" for t in [*skipped, *dict.fromkeys(favoured)]]
    notes = _notes(prefs, skipped, list(dict.fromkeys(favoured)), always)
    if prefs.case:
        applied.append("format.case")
    if prefs.hashtags is not None:
        applied.append("format.hashtags")
    if prefs.max_tags:
        applied.append("format.max_tags")
    if prefs.number:
        applied.append("format.number")
    return ShapedTags(
        tags=[_format(t, prefs) for t in tags],
        skipped=skipped,
        favoured=list(dict.fromkeys(favoured)),
        applied=list(dict.fromkeys(applied)),
        notes=notes,
    )


def _number(tag: str, prefs: Profile) -> str:
    return to_number(tag, prefs.number) if prefs.number == "singular" and tag else tag


def unformat(tag: str) -> str:
    """A shown tag back to its slug ("#Machine-Learning" -> "machine-learning"), for follow-ups."""
    return slug(tag)


def _format(tag: str, prefs: Profile) -> str:
    if prefs.case == "upper":
        tag = tag.upper()
    elif prefs.case == "title":
        tag = "-".join(part[:1].upper() + part[1:] for part in tag.split("-"))
    return f"#{tag}" if prefs.hashtags else tag


_CASE_NOTE = {"lower": "lowercase", "upper": "UPPERCASE", "title": "Title Case"}


def _notes(
    prefs: Profile, skipped: dict[str, list[str]], favoured: list[str], always: list[str]
) -> list[str]:
    notes: list[str] = []
    if prefs.case:
        notes.append(_CASE_NOTE[prefs.case])
    if prefs.hashtags is True:
        notes.append("as hashtags")
    if prefs.number == "singular":
        notes.append("singular")
    if prefs.max_tags:
        notes.append(f"at most {prefs.max_tags}")
    notes += [f"always '{a}'" for a in always]
    if favoured:
        notes.append("favouring " + _and(favoured))
    if skipped:
        notes.append("skipped " + _and(list(skipped)) + " as you asked")
    return notes


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

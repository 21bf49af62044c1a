"""Preferences in words: the memory text people see in `/memories` and LLMs read, and the bot's "you ..."

Rendering goes one way only. The stored text of a memory is produced here from its `Preference` and never
parsed back; the meaning lives in the memory's metadata.
"""

from __future__ import annotations

from bot.understanding.preferences import Preference

__all__ = ["about_you", "memory_text"]

_CASE = {"lower": "lowercase", "upper": "UPPERCASE", "title": "Title Case"}


def _article(role: str) -> str:
    return f"{'an' if role[:1].lower() in 'aeiou' else 'a'} {role}"


def memory_text(pref: Preference) -> str:
    """The third-person sentence stored as the memory's text ("Prefers lowercase tags", "Avoids politics")."""
    kind, value, subject = pref.kind, pref.value, pref.subject
    if kind == "format.case":
        return f"Prefers {_CASE[value]} tags"
    if kind == "format.hashtags":
        return "Wants hashtags" if value == "yes" else "Wants no hashtags"
    if kind == "format.number":
        return f"Prefers {value} tags"
    if kind == "format.max_tags":
        return f"Wants at most {value} tags"
    if kind == "tag.always":
        return f"Always include the tag '{value}'"
    if kind == "tag.never":
        return f"Never use the tag '{value}'"
    if kind == "tag.instead":
        return f"Uses the tag '{value}' instead of '{subject}'"
    if kind == "topic":
        return f"{'Likes' if value == 'like' else 'Avoids'} {subject}"
    if kind == "identity.name":
        return f"Name is {value}"
    if kind == "identity.role":
        return f"Is {_article(value)}"
    if kind == "reply.language":
        return f"Wants replies in {value}"
    return value


def about_you(pref: Preference) -> str:
    """The same preference said back to the person ("you prefer lowercase tags")."""
    kind, value, subject = pref.kind, pref.value, pref.subject
    if kind == "format.case":
        return f"you prefer {_CASE[value]} tags"
    if kind == "format.hashtags":
        return "you want hashtags" if value == "yes" else "you don't want hashtags"
    if kind == "format.number":
        return f"you prefer {value} tags"
    if kind == "format.max_tags":
        return f"you want at most {value} tags"
    if kind == "tag.always":
        return f"I should always include the tag '{value}'"
    if kind == "tag.never":
        return f"I should never use the tag '{value}'"
    if kind == "tag.instead":
        return f"you use '{value}' rather than '{subject}'"
    if kind == "topic":
        return f"you {value} {subject}"
    if kind == "identity.name":
        return f"your name is {value}"
    if kind == "identity.role":
        return f"you're {_article(value)}"
    if kind == "reply.language":
        return f"you want replies in {value}"
    return f"you told me: {value}"


def retracted(pref: Preference) -> str:
    """What no longer holds, said back ("you no longer avoid politics")."""
    kind, value, subject = pref.kind, pref.value, pref.subject
    if kind == "topic":
        return f"you no longer {value} {subject}"
    if kind == "identity.name":
        return f"your name ({value})"
    return "no longer: " + about_you(pref)

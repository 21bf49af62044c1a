"""What the offline model says: one deterministic answer per intent, built from the run's deps only.

Everything here reads `TagDeps` (the speaker's memories, the shared links) and the message; nothing reaches
any other store, so the offline model cannot mention anyone else's memories even by mistake.
"""

from __future__ import annotations

import re

from bot.intents import detect_intent
from bot.keyphrases import candidates
from bot.tag_policy import shape_tags
from bot.tagging import TagDeps, TagResult
from memory._grammar import normalise
from memory.extract import ExtractedFact, extract_facts, parse_memory_facts
from memory.preferences import Preferences

__all__ = ["answer"]

_RECALL_LINES = 12


def answer(text: str, deps: TagDeps) -> TagResult:
    """The offline model's answer to one message.

    Args:
        text: The message as the user wrote it.
        deps: The run's deps: the speaker's memories, the shared links, the similarity function.
    """
    intent = detect_intent(text, has_links=bool(deps.links))
    if intent == "tag":
        return _tag(text, deps)
    if intent == "statement":
        return _acknowledge(text, deps)
    if intent == "recall":
        return _recall(deps)
    if intent == "other_person":
        return TagResult(
            reply="I only remember things about the person I'm talking to, so I can't share anything about "
            'anyone else. Ask me "what do you remember about me?" to see what I know about you.'
        )
    if intent in ("greeting", "thanks"):
        name, used = _name(deps)
        if intent == "thanks":
            return TagResult(reply=f"You're welcome{name}!", memories_used=used)
        return TagResult(
            reply=f"Hi{name}! Send me some text or a link and I'll suggest tags for it.", memories_used=used
        )
    if intent == "help":
        return TagResult(
            reply="Send me some text or a link and I'll suggest tags. Tell me how you like them "
            '("I prefer lowercase tags", "I avoid politics") and I\'ll remember. Type /help for the commands.'
        )
    if intent == "question":
        return TagResult(
            reply="I'm a tagging bot: send me some text or a link and I'll suggest tags. Type /help for more."
        )
    if deps.notices:  # a link was shared but could not be read
        return TagResult(reply="I couldn't read anything to tag there. Paste the text and I'll tag it.")
    return TagResult(reply="Send me some text or a link to tag.")


def _content(text: str, deps: TagDeps) -> str:
    if deps.links:
        return "\n".join(
            ". ".join(part for part in (link.title, link.text_for_tagging) if part) for link in deps.links
        )
    # "Use uppercase tags. <article>": the wish shapes the tags, it is not content to tag.
    sentences = re.split(r"(?<=[.!?])\s+|\n+", normalise(text))
    return " ".join(s for s in sentences if not extract_facts(s))


def _tag(text: str, deps: TagDeps) -> TagResult:
    content = _content(text, deps).strip()
    if not content:
        if deps.notices or deps.links:
            return TagResult(reply="I couldn't read anything to tag there. Paste the text and I'll tag it.")
        return TagResult(reply="Send me some text or a link to tag.")
    memory_texts = deps.preference_texts()
    # What this very message says about the person counts already: it is the newest word.
    prefs = Preferences.from_memories([*memory_texts, *(f.text for f in extract_facts(text))])
    shaped = shape_tags(candidates(content), prefs, deps.similar)
    used = _memory_ids_for(shaped.applied, deps)
    if not shaped.tags:
        if shaped.skipped:
            reply = f"Everything I found was about {', '.join(shaped.skipped)}, which you asked me to skip."
        else:
            reply = "I couldn't find anything worth tagging in that."
        return TagResult(reply=reply, memories_used=used)
    shown = ", ".join(f"`{tag}`" for tag in shaped.tags)
    why = f" ({', '.join(shaped.notes)})" if shaped.notes else ""
    return TagResult(tags=shaped.tags, reply=f"Here are my tags: {shown}{why}", memories_used=used)


def _acknowledge(text: str, deps: TagDeps) -> TagResult:
    known = _known_facts(deps)
    new: list[str] = []
    already: list[str] = []
    replaced: list[str] = []
    used: list[str] = []
    for fact in extract_facts(text):
        previous = known.get(fact.key)
        if previous is not None and previous[0].value == fact.value:
            already.append(_second_person(fact))
            used.append(previous[1])
            continue
        if fact.key != "identity:name":  # greeted by name below instead
            new.append(_second_person(fact))
        if previous is not None:
            replaced.append(previous[0].text)
            used.append(previous[1])
    parts: list[str] = []
    name = next((f for f in extract_facts(text) if f.key == "identity:name"), None)
    if name is not None:
        parts.append(f"Nice to meet you, {name.text.removeprefix('Name is ')}!")
    if new:
        parts.append(f"Got it, I'll remember that {_and(new)}.")
    if replaced:
        parts.append(f"That replaces what I had before ({'; '.join(replaced)}).")
    if already:
        parts.append(f"I already knew that {_and(already)}.")
    return TagResult(reply=" ".join(parts), memories_used=list(dict.fromkeys(used)))


def _recall(deps: TagDeps) -> TagResult:
    memories = deps.memories_oldest_first()
    if not memories:
        return TagResult(
            reply="I don't remember anything about you yet. Tell me how you like your tags "
            '(for example "I prefer lowercase tags" or "I avoid politics") and I will.'
        )
    about = [m for m in memories if m.category != "interaction"]
    history = [m for m in memories if m.category == "interaction"]
    shown = [*about, *history[-3:]][:_RECALL_LINES]
    lines = [f"- {m.text}" for m in shown]
    more = len(memories) - len(shown)
    tail = f"\n(and {more} more; /memories lists everything)" if more > 0 else ""
    return TagResult(
        reply="Here's what I remember about you:\n" + "\n".join(lines) + tail,
        memories_used=[m.id for m in shown],
    )


def _name(deps: TagDeps) -> tuple[str, list[str]]:
    known = _known_facts(deps)
    if "identity:name" in known:
        fact, memory_id = known["identity:name"]
        return ", " + fact.text.removeprefix("Name is "), [memory_id]
    if deps.identity.display_name:
        return ", " + deps.identity.display_name, []
    return "", []


def _known_facts(deps: TagDeps) -> dict[str, tuple[ExtractedFact, str]]:
    """The fact in force under each key, with the id of the memory that states it (newest wins)."""
    known: dict[str, tuple[ExtractedFact, str]] = {}
    for memory in deps.memories_oldest_first():
        for fact in parse_memory_facts(memory.text):
            known[fact.key] = (fact, memory.id)
    return known


def _memory_ids_for(keys: list[str], deps: TagDeps) -> list[str]:
    known = _known_facts(deps)
    return list(dict.fromkeys(known[k][1] for k in keys if k in known))


_SECOND_PERSON = (
    (re.compile(r"^Likes "), "you like "),
    (re.compile(r"^Avoids "), "you avoid "),
    (re.compile(r"^Prefers "), "you prefer "),
    (re.compile(r"^Wants no "), "you don't want "),
    (re.compile(r"^Wants "), "you want "),
    (re.compile(r"^Is "), "you're "),
    (re.compile(r"^Name is "), "your name is "),
    (re.compile(r"^Always include "), "I should always include "),
    (re.compile(r"^Never use "), "I should never use "),
)


def _second_person(fact: ExtractedFact) -> str:
    for pattern, replacement in _SECOND_PERSON:
        if pattern.match(fact.text):
            return pattern.sub(replacement, fact.text, count=1)
    return fact.text


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

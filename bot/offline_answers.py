"""What the offline model says: one deterministic answer per intent, built from the run's deps only.

Everything here reads `TagDeps` (the speaker's profile and memories, the thread's turns, the shared links)
and the message; nothing reaches any other store, so the offline model cannot mention anyone else's memories
even by mistake. What the message means comes from the offline extractor (`bot.understanding.rules`), and
the answer carries its operations, as an LLM's would.
"""

from __future__ import annotations

import re

from bot import messages
from bot.intents import Intent, detect_intent
from bot.keyphrases import candidates
from bot.tag_policy import shape_tags, unformat
from bot.tagging import TagDeps, TagResult, Turn
from bot.understanding._grammar import normalise
from bot.understanding.operations import Add, Forget, Operation, Remove, Replace, applied_to
from bot.understanding.preferences import Preference, Profile, slug
from bot.understanding.records import oldest_first, preference_in
from bot.understanding.render import about_you, memory_text, retracted
from bot.understanding.rules import FollowUp, Question, Understood, understand

__all__ = ["answer"]

RECALL_LINES = 12
PAGE_SIZE = 10
"""What `/memories` shows per page (the adapters' page size), for the "see the rest" hint."""


def answer(text: str, deps: TagDeps) -> TagResult:
    """The offline model's answer to one message.

    Args:
        text: The message as the user wrote it.
        deps: The run's deps: the speaker's profile and memories, the thread, the links, similarity.
    """
    previous = _last_tagged(deps.thread)
    understood = understand(text, in_thread=previous is not None)
    intent = detect_intent(text, understood, has_links=bool(deps.links))
    result = _answer(intent, text, understood, previous, deps)
    return result.model_copy(update={"operations": list(understood.operations)})


def _answer(
    intent: Intent, text: str, understood: Understood, previous: Turn | None, deps: TagDeps
) -> TagResult:
    if intent == "tag":
        return _tag(text, understood, deps)
    if intent == "statement":
        if previous is not None and any(
            isinstance(op, Add) and op.correction for op in understood.operations
        ):
            return _corrected(previous, understood.operations, deps)
        return _acknowledge(understood.operations, deps)
    if intent == "question_about_me" and understood.question is not None:
        return _about_me(understood.question, deps)
    if intent == "follow_up" and understood.follow_up is not None and previous is not None:
        return _follow_up(understood.follow_up, previous, deps)
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
            reply="I'm a tagging bot: send me some text or a link and I'll suggest tags. Ask me "
            '"what do you remember about me?" to see what I know about you, or type /help for more.'
        )
    if deps.notices:  # a link was shared but could not be read
        return TagResult(reply="I couldn't read anything to tag there. Paste the text and I'll tag it.")
    return TagResult(reply="Send me some text or a link to tag.")


# --- tagging ---------------------------------------------------------------------------------------------


def _content(text: str, deps: TagDeps) -> str:
    if deps.links:
        return "\n".join(
            ". ".join(part for part in (link.title, link.text_for_tagging) if part) for link in deps.links
        )
    # "Use uppercase tags. <article>": the wish shapes the tags, it is not content to tag.
    parts = re.split(r"(?<=[.!?:])\s+|\n+", normalise(text))
    return " ".join(p for p in parts if not understand(p).operations)


def _tagged(raw: list[str], profile: Profile, deps: TagDeps, *, lead: str = "Here are my tags") -> TagResult:
    shaped = shape_tags(raw, profile, deps.similar)
    used = _ids_for(shaped.applied, profile)
    if not shaped.tags:
        if shaped.skipped:
            reply = f"Everything I found was about {', '.join(shaped.skipped)}, which you asked me to skip."
        else:
            reply = "I couldn't find anything worth tagging in that."
        return TagResult(reply=reply, memories_used=used)
    shown = ", ".join(f"`{tag}`" for tag in shaped.tags)
    why = f" ({', '.join(shaped.notes)})" if shaped.notes else ""
    return TagResult(tags=shaped.tags, reply=f"{lead}: {shown}{why}", memories_used=used)


def _tag(text: str, understood: Understood, deps: TagDeps) -> TagResult:
    content = _content(text, deps).strip()
    if not content:
        if deps.notices or deps.links:
            return TagResult(reply="I couldn't read anything to tag there. Paste the text and I'll tag it.")
        return TagResult(reply="Send me some text or a link to tag.")
    # What this very message says about the person counts already: it is the newest word.
    profile = applied_to(deps.profile, understood.operations)
    return _tagged(candidates(content), profile, deps)


def _last_tagged(thread: list[Turn] | tuple[Turn, ...] | object) -> Turn | None:
    turns = list(thread) if isinstance(thread, list | tuple) else []
    return next((t for t in reversed(turns) if isinstance(t, Turn) and t.tags), None)


def _follow_up(follow: FollowUp, previous: Turn, deps: TagDeps) -> TagResult:
    tags = [unformat(t) for t in previous.tags]
    if follow.kind == "shorter":
        if any("-" in t for t in tags):
            tags = [t.rsplit("-", 1)[0] if "-" in t else t for t in tags]
        else:
            tags = tags[: max(1, len(tags) - 2)]
        return _revised(_tagged(tags, deps.profile, deps, lead="Shorter"))
    if follow.kind == "drop":
        kept = [t for t in tags if t != follow.subject]
        return _revised(_tagged(kept, deps.profile, deps, lead=f"Without `{follow.subject}`"))
    added = slug(follow.subject)
    profile = deps.profile
    if profile.max_tags is None or len(tags) < profile.max_tags:
        return _revised(_tagged([*tags, added], profile, deps, lead=f"Added `{added}`"))
    return _revised(_tagged([*tags[:-1], added], profile, deps, lead=f"Added `{added}`"))


def _revised(result: TagResult) -> TagResult:
    return result.model_copy(update={"revises_previous": True})


def _corrected(previous: Turn, operations: list[Operation], deps: TagDeps) -> TagResult:
    profile = applied_to(deps.profile, operations)
    result = _tagged([unformat(t) for t in previous.tags], profile, deps, lead="Fixed")
    learned = [about_you(op.preference) for op in operations if isinstance(op, Add)]
    note = f" I'll remember that {_and(learned)}." if learned else ""
    return result.model_copy(update={"reply": result.reply + "." + note, "revises_previous": True})


# --- statements ------------------------------------------------------------------------------------------


def _acknowledge(operations: list[Operation], deps: TagDeps) -> TagResult:
    profile = deps.profile
    own = {k for k, memory_id in profile.sources.items() if memory_id in {m.id for m in deps.memories}}
    new: list[str] = []
    already: list[str] = []
    replaced: list[str] = []
    dropped: list[str] = []
    unknown: list[str] = []
    looking: list[str] = []
    used: list[str] = []
    name: str | None = None
    for op in operations:
        if isinstance(op, Add | Replace):
            pref = op.preference
            held = profile.entries.get(pref.key)
            if held == pref and pref.key in own:
                already.append(about_you(pref))
                used.append(profile.sources[pref.key])
                continue
            if pref.kind == "identity.name":
                name = pref.value
            else:
                new.append(about_you(pref))
            for key in [pref.key, *pref.displaces(), *([op.key] if isinstance(op, Replace) else [])]:
                old = profile.entries.get(key)
                if old is not None and key in own and old != pref:
                    replaced.append(memory_text(old))
                    used.append(profile.sources[key])
        elif isinstance(op, Remove):
            held = profile.entries.get(op.key or "")
            if held is not None and (op.value is None or held.value == op.value) and op.key in own:
                dropped.append(retracted(held))
                used.append(profile.sources[op.key or ""])
            else:
                unknown.append(op.key or "that")
        elif isinstance(op, Forget):
            looking.append(op.description)
    if not deps.memory_writable:
        return TagResult(reply=messages.MEMORY_OFF_NOT_KEPT)
    parts: list[str] = []
    if name is not None:
        parts.append(f"Nice to meet you, {name}!")
    if new:
        parts.append(f"Got it, I'll remember that {_and(new)}.")
    if replaced:
        parts.append(f"That replaces what I had before ({'; '.join(replaced)}).")
    if already:
        parts.append(f"I already knew that {_and(already)}.")
    if dropped:
        parts.append(f"OK, I've noted that: {_and(dropped)}.")
    if unknown and not dropped:
        parts.append("I didn't have that in my memory of you, so there was nothing to change.")
    if looking:
        parts.append(f"You asked me to forget what you told me about {_and(looking)}.")
    return TagResult(reply=" ".join(parts) or "Noted.", memories_used=list(dict.fromkeys(used)))


# --- questions about oneself -------------------------------------------------------------------------------


def _about_me(question: Question, deps: TagDeps) -> TagResult:
    profile = deps.profile
    if question.kind == "name":
        if profile.name:
            return TagResult(
                reply=f"Your name is {profile.name}.", memories_used=_ids_for(["identity.name"], profile)
            )
        shown = deps.identity.display_name
        here = f" Here you show up as {shown}." if shown else ""
        return TagResult(reply=f"You haven't told me your name yet ('call me …' and I'll remember).{here}")
    if question.kind == "likes":
        topic = question.subject
        key = f"topic:{topic}"
        held = profile.entries.get(key) or next(
            (
                p
                for k, p in profile.entries.items()
                if k.startswith("topic:") and slug(p.subject) == slug(topic)
            ),
            None,
        )
        if held is None:
            return TagResult(reply=f"You haven't told me whether you like {topic}.")
        verb = "like" if held.value == "like" else "avoid"
        return TagResult(
            reply=f"{'Yes' if verb == 'like' else 'No'}: you told me you {verb} {held.subject}.",
            memories_used=_ids_for([held.key], profile),
        )
    words = [w for w in re.findall(r"\w+", question.subject.lower()) if len(w) > 2]
    shared = [
        m
        for m in oldest_first(deps.memories)
        if m.category == "interaction" and words and all(w in m.text.lower() for w in words)
    ]
    if not shared:
        return TagResult(reply=f"I don't remember you sharing anything about {question.subject}.")
    lines = "\n".join(f"- {m.text}" for m in shared[-RECALL_LINES:])
    return TagResult(
        reply=f"Here's what you shared about {question.subject}:\n{lines}",
        memories_used=[m.id for m in shared[-RECALL_LINES:]],
    )


def _recall(deps: TagDeps) -> TagResult:
    memories = oldest_first(deps.memories)
    total = max(deps.memory_total, len(memories))
    if not memories:
        return TagResult(
            reply="I don't remember anything about you yet. Tell me how you like your tags "
            '(for example "I prefer lowercase tags" or "I avoid politics") and I will.'
        )
    about = [m for m in memories if m.category != "interaction"]
    about.sort(key=lambda m: 0 if _is_name(m) else 1)  # the name first, then what they said, in order
    history = [m for m in memories if m.category == "interaction"]
    shown = [*about, *history[-3:]][:RECALL_LINES]
    lines = [f"- {m.text}" for m in shown]
    more = total - len(shown)
    tail = ""
    if more > 0:
        pages = -(-total // PAGE_SIZE)
        see = "/memories lists them" + (f" ({pages} pages: /memories page 2 and on)" if pages > 1 else "")
        tail = f"\n(and {more} more, {total} in all; {see})"
    return TagResult(
        reply="Here's what I remember about you:\n" + "\n".join(lines) + tail,
        memories_used=[m.id for m in shown],
    )


def _is_name(record: object) -> bool:
    from memory.types import MemoryRecord

    if not isinstance(record, MemoryRecord):
        return False
    pref = preference_in(record)
    return pref is not None and pref.kind == "identity.name"


def _name(deps: TagDeps) -> tuple[str, list[str]]:
    if deps.profile.name:
        return ", " + deps.profile.name, _ids_for(["identity.name"], deps.profile)
    if deps.identity.display_name:
        return ", " + deps.identity.display_name, []
    return "", []


def _ids_for(keys: list[str], profile: Profile) -> list[str]:
    return list(dict.fromkeys(profile.sources[k] for k in keys if k in profile.sources))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def preference_sentence(pref: Preference) -> str:
    """The stored sentence of a preference (re-exported for callers that show one)."""
    return memory_text(pref)

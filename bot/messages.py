"""Every user-visible sentence the core produces, in one place so the tone stays consistent."""

from __future__ import annotations

EMPTY_MESSAGE = "I didn't get any text there. Send me some text or a link and I'll suggest tags for it."
MEMORY_UNAVAILABLE = (
    "My memory is unavailable right now, so this answer doesn't use what I know about you. "
    "I'll remember this conversation once it's back."
)
MODEL_FAILED = (
    "Sorry, I couldn't come up with an answer just now (the language model didn't respond). "
    "Please try again in a moment."
)
MEMORY_WAITING = (
    "I can't save to my memory right now (its storage is full or busy), so I'm holding on to this and "
    "will remember it as soon as I can."
)
FORGET_ONE_DONE = "Done: I forgot that memory."
FORGET_ONE_MISSING = "I couldn't find a memory with that id among yours. Use /memories to see their ids."
FORGET_ALL_CONFIRM = "This will permanently erase everything I remember about you. Are you sure?"
FORGET_ALL_REFUSED = (
    "That confirmation isn't valid any more (it expired, or it was made for someone else). "
    "Ask again with /forget all."
)
MEMORY_OFF_NOT_KEPT = (
    "Memory is off for you right now, so I won't remember that. Turn it back on with /memories resume "
    "(or ask an admin, if memory is switched off in this channel) and tell me again."
)
BUSY = "I'm answering a lot of messages right now. Please try again in a few seconds."
NO_MEMORIES = "I don't remember anything about you yet."


def truncated(limit: int) -> str:
    return f"Your message was longer than {limit:,} characters, so I only read the first {limit:,}."


def rate_limited(seconds: int) -> str:
    return f"You're sending messages faster than I can keep up with. Please wait {seconds} s and try again."


def forget_all_done(count: int) -> str:
    if count == 0:
        return "There was nothing to forget: I don't remember anything about you."
    noun = "memory" if count == 1 else "memories"
    return f"Done: I erased all {count} {noun} I had about you."


HELP = """I suggest tags for text and links you share, shaped by what I remember about you.

• Send me text or a link and I'll suggest tags.
• Tell me your preferences, e.g. "I prefer lowercase tags", "I avoid politics", "at most 3 tags".
• /memories [query] shows what I remember about you (only you can see it).
• /forget <id> forgets one memory; /forget all forgets everything (after you confirm).
• /memories export gives you everything I remember about you as JSON.
• /memories pause stops me reading or saving anything about you; /memories resume turns memory back on.
• /remember <text> saves exactly that, e.g. /remember I prefer lowercase tags.
• /memories edit <id> <new text> changes one memory.
• /memories retention 30d erases memories of our past conversations after 30 days (off: keep them).
• /link gives you a one-time code; /link <code> on your other account (Slack, Discord, console) makes them
  one person with one memory. /unlink splits them again.
• Server and workspace admins: /memorybot memory off [#channel | server], on, status.
• /help shows this message."""

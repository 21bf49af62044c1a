"""Every sentence the memory controls say, in one place (the core's others are in bot/messages.py)."""

from __future__ import annotations

PAUSED_NOTICE = (
    "Memory is paused for you: I'm not using or saving anything. /memories resume turns it back on."
)
PAUSED = (
    "Memory paused. Until you resume, I won't read or save anything about you; what I already remember stays "
    "as it is. Use /memories resume to turn it back on."
)
CONTROLS_UNAVAILABLE = (
    "I can't check your memory settings right now, so this answer doesn't use or save anything about you."
)
ALREADY_PAUSED = "Memory was already paused for you. Use /memories resume to turn it back on."
RESUMED = "Memory resumed: I'll use and save what you tell me again."
NOT_PAUSED = "Memory wasn't paused: I'm already using and saving what you tell me."
REMEMBER_PAUSED = "Memory is paused for you, so I didn't save that. Use /memories resume first."
REMEMBER_EMPTY = "Tell me what to remember, e.g. /remember I prefer lowercase tags."
EDIT_USAGE = "Use /memories edit <id> <new text> (the ids are shown by /memories)."
EDIT_MISSING = "I couldn't find a memory with that id among yours. Use /memories to see their ids."
EDIT_PAUSED = "Memory is paused for you, so I didn't change anything. Use /memories resume first."

LINK_SELF = "That's a code you made yourself: use it on your other account (another platform or workspace)."
LINK_BAD = "That code isn't valid: it's wrong, expired (codes last 10 minutes) or already used."
UNLINKED_NONE = "This account isn't linked to any other."

RETENTION_USAGE = "Use /memories retention 30d (days, 1 to 3650) or /memories retention off."

SWITCH_NOT_ADMIN = (
    "Only a server admin (Manage Server on Discord) or a workspace admin or owner (Slack) can switch memory "
    "on or off here."
)
SWITCH_NO_SERVER = "Memory can only be switched off in a server or workspace channel, not here."
SWITCH_USAGE = (
    "Use /memorybot memory off [#channel | server], /memorybot memory on [#channel | server] or "
    "/memorybot memory status."
)
SWITCH_CONSOLE = "Admin switches are for Slack and Discord admins; the console has no server to switch."


def admin_off_notice(where: str) -> str:
    return (
        f"An admin switched memory off {where}: I'm tagging, but not using or saving anything about anyone "
        "here."
    )


def remembered(texts: list[str]) -> str:
    if not texts:
        return "I already knew that: nothing new to remember."
    return "Got it, I'll remember: " + "; ".join(texts) + "."


def remember_too_long(limit: int) -> str:
    return f"That's longer than I keep in one memory ({limit} characters): please say it in fewer words."


def edited(text: str) -> str:
    return f"Done: that memory now says: {text}"


def link_code(code: str, minutes: int) -> str:
    return (
        f"Your link code is {code}. Within {minutes} minutes, run /link {code} on your other account (Slack, "
        "Discord or the console) to share one memory between them. It works once; don't share it with anyone."
    )


def linked(others: list[str]) -> str:
    return (
        "Linked: I now remember you as one person across "
        + ", ".join(others)
        + ". Each memory stays with the "
        "account that made it; /unlink splits them again."
    )


def link_throttled(minutes: int) -> str:
    return f"Too many wrong codes. Please wait {minutes} min before trying again."


def unlinked(others: list[str]) -> str:
    return "Unlinked from " + ", ".join(others) + ". This account's memories are its own again."


def links_line(others: list[str]) -> str:
    return "Linked with: " + ", ".join(others)


def retention_set(days: int | None, effective: int | None) -> str:
    if days is None:
        if effective is None:
            return "Done: your memories of past conversations are kept until you forget them."
        return f"Done: your own limit is off; this bot keeps memories of past conversations {effective} days."
    text = f"Done: I'll erase memories of our past conversations after {days} days."
    if effective is not None and effective < days:
        text += f" (This bot keeps them at most {effective} days, so that limit applies first.)"
    return text


def retention_line(effective: int | None) -> str:
    if effective is None:
        return "Memories of past conversations are kept until you forget them."
    return f"Memories of past conversations are erased after {effective} days."


def switched(off: bool, where: str) -> str:
    return f"Memory is now {'off' if off else 'on'} {where}."


def switch_status(server_off: bool, channels: list[str], where_server: str) -> str:
    lines = [f"Memory is {'off' if server_off else 'on'} {where_server}."]
    if channels:
        lines.append("Switched off in: " + ", ".join(channels))
    return "\n".join(lines)

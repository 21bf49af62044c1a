"""The one mapping from a chat identity to the memory owner and session ids.

Ids are namespaced by platform (and Slack workspace) so that two platforms' user ids can never collide, and
each component is escaped so that a `:` inside a platform id cannot forge another user's id.
"""

from __future__ import annotations

from bot.types import ChatIdentity


def _part(value: str) -> str:
    # Percent-escape the separator and the escape char itself: "a:b" and "a%3Ab" stay distinct.
    return value.strip().replace("%", "%25").replace(":", "%3A")


def user_id_for(identity: ChatIdentity) -> str:
    """Stable memory owner id: `discord:<user>`, `slack:<enterprise or team>:<user>`, `console:<name>`."""
    if not identity.user or not identity.user.strip():
        raise ValueError("a chat identity needs a user")
    if identity.platform == "slack":
        if not identity.workspace:
            raise ValueError("a Slack identity needs its enterprise or team id")
        return f"slack:{_part(identity.workspace)}:{_part(identity.user)}"
    return f"{identity.platform}:{_part(identity.user)}"


def session_id_for(identity: ChatIdentity) -> str:
    """One session per conversation: the channel, narrowed to the thread when there is one."""
    parts: list[str] = [identity.platform]
    if identity.workspace:
        parts.append(_part(identity.workspace))
    parts.append(_part(identity.channel or "direct"))
    if identity.thread:
        parts.append(_part(identity.thread))
    return ":".join(parts)

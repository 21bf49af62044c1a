"""Slack payloads → neutral `ChatIdentity` / `IncomingMessage`. Pure functions: no I/O, no decisions.

Field names follow the Events API (`event_callback`), slash-command and `block_actions` payloads:
https://docs.slack.dev/reference/events/app_mention, https://docs.slack.dev/interactivity/implementing-slash-commands,
https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
"""

from __future__ import annotations

import re
from typing import Any

from bot.types import ChatIdentity, IncomingMessage

# Subtypes that are still a person writing: a reply also sent to the channel, a message with a file.
# Everything else (message_changed, message_deleted, channel_join, bot_message, ...) is not talk to answer.
USER_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


def workspace_for(
    *, enterprise_id: str | None, team_id: str | None, user_team: str | None, shared: bool = True
) -> str:
    """The scope a Slack user id is unique in: their Enterprise Grid org, else their workspace.

    In a Slack Connect channel (`shared`) the speaker may belong to another organisation; their own team
    (`user_team`) then names them, so two orgs' `U123` never share memories.
    """
    if shared and user_team and team_id and user_team != team_id:
        return user_team
    scope = enterprise_id or team_id or user_team
    if not scope:
        raise ValueError("a Slack payload without team or enterprise id")
    return scope


def is_person_talking(event: dict[str, Any]) -> bool:
    """A person wrote new text: not a bot or app (ourselves included), not an edit, delete or join."""
    if event.get("bot_id") or event.get("bot_profile") or not event.get("user"):
        return False
    return event.get("subtype") in USER_SUBTYPES


def mentions(text: str, user_id: str | None) -> bool:
    return bool(user_id) and f"<@{user_id}" in text


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """Remove `<@BOT>` / `<@BOT|name>` so the core sees only what the person asked."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return " ".join(text.split())


_MARKUP = re.compile(r"<([^<>]*)>")


def plain_text(text: str) -> str:
    """Slack's message markup as the plain text a person sees, which is what the core should read.

    `<@U1|ann>` → `@ann`, `<#C1|general>` → `#general`, `<!here>` → `@here`, `<https://x|docs>` →
    `docs (https://x)`, and the entities Slack uses for a literal `&`, `<`, `>` decoded last (so a typed
    `<!channel>` reaches the core as that text, and is escaped again on the way out).
    https://docs.slack.dev/messaging/formatting-message-text
    """
    return _MARKUP.sub(_plain, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _plain(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target.startswith(("@", "#")):
        return target[0] + (label.lstrip("@#") or target[1:])
    if target.startswith("!"):
        # <!here>, <!channel>, <!subteam^S1|@team>, <!date^...|fallback>
        return label or "@" + target[1:].split("^")[0]
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    if not label or label in (target, target.split("://", 1)[-1]):
        return target
    return f"{label} ({target})"


def thread_root(event: dict[str, Any]) -> str:
    """The ts of the thread this message belongs to, or starts (its own ts)."""
    return str(event.get("thread_ts") or event["ts"])


def permalink(channel: str, ts: str, thread_ts: str | None = None) -> str:
    """A link to the message without an API call: slack.com/archives redirects into the right workspace."""
    link = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return link


def event_identity(body: dict[str, Any], event: dict[str, Any], *, thread: str | None) -> ChatIdentity:
    return ChatIdentity(
        platform="slack",
        user=str(event["user"]),
        workspace=workspace_for(
            enterprise_id=body.get("enterprise_id"),
            team_id=body.get("team_id") or event.get("team"),
            user_team=event.get("user_team"),
            shared=bool(body.get("is_ext_shared_channel")),
        ),
        channel=str(event["channel"]),
        thread=thread,
        server=body.get("team_id") or event.get("team"),
    )


def incoming_from_event(
    body: dict[str, Any], event: dict[str, Any], *, bot_user_id: str | None, thread: str | None
) -> IncomingMessage:
    """A message event (`app_mention` or `message`) as the core's input.

    Args:
        body: the whole `event_callback` envelope (carries team and enterprise ids).
        event: its `event` member.
        bot_user_id: our bot's user id, whose mention is stripped from the text.
        thread: the session's thread ts (None for a DM conversation outside threads).
    """
    channel = str(event["channel"])
    ts = str(event["ts"])
    return IncomingMessage(
        identity=event_identity(body, event, thread=thread),
        text=plain_text(strip_mention(str(event.get("text") or ""), bot_user_id)),
        message_id=str(event.get("client_msg_id") or f"{channel}:{ts}"),
        link=permalink(channel, ts, event.get("thread_ts")),
    )


def command_identity(command: dict[str, Any]) -> ChatIdentity:
    """Who ran a slash command. Commands carry no thread, so the session is the channel."""
    return ChatIdentity(
        platform="slack",
        user=str(command["user_id"]),
        workspace=workspace_for(
            enterprise_id=command.get("enterprise_id"),
            team_id=command.get("team_id"),
            user_team=None,
        ),
        channel=command.get("channel_id"),
        display_name=command.get("user_name"),
        server=command.get("team_id"),
    )


def action_identity(body: dict[str, Any]) -> ChatIdentity:
    """Who clicked a button: always the clicker, never whoever the message was first shown to."""
    user = body["user"]
    team = body.get("team") or {}
    enterprise = body.get("enterprise") or {}
    channel = body.get("channel") or {}
    return ChatIdentity(
        platform="slack",
        user=str(user["id"]),
        workspace=workspace_for(
            enterprise_id=enterprise.get("id") or team.get("enterprise_id"),
            team_id=team.get("id"),
            user_team=user.get("team_id"),
        ),
        channel=channel.get("id"),
        display_name=user.get("username") or user.get("name"),
        server=team.get("id"),
    )

"""Discord API objects as the gateway and REST API send them, complete enough for discord.py 2.7.

discord.py reads many keys with `data[...]`, so a missing key is a crash far from its cause; every builder
here fills the full shape. Ids are strings, as on the wire.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

GUILD_TEXT, DM, PUBLIC_THREAD = 0, 1, 11
DEFAULT, REPLY, CHAT_INPUT_COMMAND = 0, 19, 20


def now() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> JSON:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def role(role_id: int, name: str, *, managed: bool) -> JSON:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "hoist": False,
        "position": 1 if managed else 0,
        "permissions": "2048",
        "managed": managed,
        "mentionable": False,
        "flags": 0,
    }


def member(of: JSON) -> JSON:
    return {
        "user": of,
        "roles": [],
        "joined_at": now(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": "2048",
    }


def guild(guild_id: int, name: str, *, owner_id: int, bot: JSON, bot_role_id: int) -> JSON:
    """A GUILD_CREATE payload with the bot as a member holding its managed role."""
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "owner_id": str(owner_id),
        "unavailable": False,
        "member_count": 2,
        "large": False,
        "joined_at": now(),
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": [
            role(guild_id, "@everyone", managed=False),
            {**role(bot_role_id, bot["username"], managed=True), "tags": {"bot_id": bot["id"]}},
        ],
        "members": [{**member(bot), "roles": [str(bot_role_id)]}],
        "channels": [],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def text_channel(channel_id: int, guild_id: str, name: str, *, position: int) -> JSON:
    return {
        "id": str(channel_id),
        "type": GUILD_TEXT,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def thread(thread_id: int, parent: JSON, name: str, *, owner_id: int, member_id: str | None) -> JSON:
    """A public thread; with `member_id` the thread-member object says that user (the bot) has joined."""
    data: JSON = {
        "id": str(thread_id),
        "type": PUBLIC_THREAD,
        "guild_id": parent["guild_id"],
        "parent_id": parent["id"],
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now(),
            "locked": False,
        },
    }
    if member_id is not None:
        data["member"] = {"id": data["id"], "user_id": member_id, "join_timestamp": now(), "flags": 0}
    return data


def dm_channel(channel_id: int, recipient: JSON) -> JSON:
    return {"id": str(channel_id), "type": DM, "recipients": [recipient], "last_message_id": None}


def application(app_id: int, name: str, owner: JSON) -> JSON:
    return {
        "id": str(app_id),
        "name": name,
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": owner,
        "verify_key": "0" * 64,
        "flags": 0,
        "summary": "",
        "interactions_endpoint_url": None,
    }


def message(
    message_id: int,
    channel: JSON,
    author: JSON,
    content: str,
    *,
    sent: JSON | None = None,
    message_type: int = DEFAULT,
    mentions: Sequence[JSON] = (),
    everyone: bool = False,
) -> JSON:
    """A message as MESSAGE_CREATE and REST return it; `sent` is the body the bot posted, if it did."""
    sent = sent or {}
    reference = sent.get("message_reference")
    data: JSON = {
        "id": str(message_id),
        "channel_id": channel["id"],
        "author": author,
        "content": content,
        "timestamp": now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": everyone,
        "mentions": list(mentions),
        "mention_roles": [],
        "attachments": [],
        "embeds": sent.get("embeds") or [],
        "components": sent.get("components") or [],
        "pinned": False,
        "type": REPLY if reference else message_type,
        "flags": sent.get("flags") or 0,
    }
    if reference:
        data["message_reference"] = {**reference, "channel_id": channel["id"]}
    if "guild_id" in channel:
        data["guild_id"] = channel["guild_id"]
        data["member"] = {k: v for k, v in member(author).items() if k != "user"}
    return data


def interaction(
    interaction_id: int,
    token: str,
    *,
    app_id: int,
    kind: int,
    by: JSON,
    channel: JSON,
    data: JSON,
    on_message: JSON | None = None,
) -> JSON:
    """INTERACTION_CREATE: a slash command (2), a button click (3, `on_message`) or autocomplete (4)."""
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(app_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "channel_id": channel["id"],
        "channel": channel,
        "locale": "en-US",
        "app_permissions": "0",
        "entitlements": [],
        "authorizing_integration_owners": {"0": channel.get("guild_id", "0")},
        "context": 0 if "guild_id" in channel else 1,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if "guild_id" in channel:
        payload.update(guild_id=channel["guild_id"], guild_locale="en-US", member=member(by))
    else:
        payload["user"] = by
    if on_message is not None:
        payload["message"] = on_message
    return payload

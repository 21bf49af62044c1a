"""Discord messages and interactions → the core's neutral `ChatIdentity` / `IncomingMessage`.

The memory owner is the Discord user (ids are global on Discord, so no guild goes into it); the session is the
channel, narrowed to the thread inside a thread, and every DM channel is a session of its own.
"""

from __future__ import annotations

import re

import discord

from bot.types import ChatIdentity, IncomingMessage

_ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_CHANNEL_MENTION = re.compile(r"<#(\d+)>")


def identity_for(
    user: discord.abc.User,
    channel: discord.abc.Snowflake | None,
    channel_id: int | None,
    guild_id: int | None = None,
) -> ChatIdentity:
    """Who speaks where. `channel_id` is the fallback when Discord sent no usable channel object."""
    thread: str | None = None
    where: str | None = str(channel_id) if channel_id is not None else None
    if isinstance(channel, discord.Thread):
        thread = str(channel.id)
        where = str(channel.parent_id)
    elif channel is not None:
        where = str(channel.id)
    return ChatIdentity(
        platform="discord",
        user=str(user.id),
        channel=where,
        thread=thread,
        display_name=user.display_name,
        server=str(guild_id) if guild_id else None,
    )


def identity_for_interaction(interaction: discord.Interaction[discord.Client]) -> ChatIdentity:
    return identity_for(interaction.user, interaction.channel, interaction.channel_id, interaction.guild_id)


def mentions_me(message: discord.Message, me: discord.abc.User) -> bool:
    """A direct mention of the bot or of its own managed role; `@everyone` does not count."""
    if any(user.id == me.id for user in message.mentions):
        return True
    own_role = message.guild.self_role if message.guild is not None else None
    return own_role is not None and any(role.id == own_role.id for role in message.role_mentions)


def is_from_person(message: discord.Message) -> bool:
    """Plain messages and replies by people: not bots (this one included), webhooks or system notices."""
    return not message.author.bot and message.webhook_id is None and message.type in _ANSWERED_TYPES


def message_text(message: discord.Message, me: discord.abc.User) -> str:
    """The text with the bot's own mention removed and other mentions turned into readable names."""
    own_role = message.guild.self_role if message.guild is not None else None
    users = {user.id: user.display_name for user in message.mentions}
    roles = {role.id: role.name for role in message.role_mentions}
    channels = {channel.id: getattr(channel, "name", None) for channel in message.channel_mentions}

    def user(match: re.Match[str]) -> str:
        uid = int(match.group(1))
        if uid == me.id:
            return ""
        name = users.get(uid)
        return f"@{name}" if name else match.group(0)

    def role(match: re.Match[str]) -> str:
        rid = int(match.group(1))
        if own_role is not None and rid == own_role.id:
            return ""
        name = roles.get(rid)
        return f"@{name}" if name else match.group(0)

    def channel(match: re.Match[str]) -> str:
        name = channels.get(int(match.group(1)))
        return f"#{name}" if name else match.group(0)

    text = _USER_MENTION.sub(user, message.content)
    text = _ROLE_MENTION.sub(role, text)
    text = _CHANNEL_MENTION.sub(channel, text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def to_incoming(message: discord.Message, me: discord.abc.User) -> IncomingMessage:
    return IncomingMessage(
        identity=identity_for(
            message.author, message.channel, message.channel.id, message.guild.id if message.guild else None
        ),
        text=message_text(message, me),
        message_id=str(message.id),
        link=message.jump_url,
    )

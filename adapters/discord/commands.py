"""Slash commands: `/memories list [query]`, `/memories export`, `/forget memory id:<id>`, `/forget all`.

Discord cannot have a bare command next to subcommands of the same name, so both commands are groups
(docs/discord.md). Every answer is ephemeral: memories are private to their owner. Each command defers first
because the memory store may take longer than the 3 s Discord allows before the first answer.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.controls import control_commands
from adapters.discord.convert import identity_for_interaction
from adapters.discord.custom_ids import PAGE_SIZE, query_for_buttons
from adapters.discord.render import discord_help, memories_embed, truncate
from adapters.discord.views import QUERY_NOT_KEPT, forget_all_view, memory_page_view, tell_failure
from bot import messages

if TYPE_CHECKING:
    from adapters.discord._service import ChatServiceLike

log = logging.getLogger(__name__)

Interaction = discord.Interaction[discord.Client]
AUTOCOMPLETE_BUDGET_S = 2.5
"""Autocomplete cannot be deferred: answer with nothing rather than miss Discord's 3 s window."""


class MemoriesCommands(app_commands.Group):
    def __init__(self, service: ChatServiceLike) -> None:
        super().__init__(
            name="memories",
            description="See, export, pause or edit what I remember about you (only you see it)",
        )
        self.service = service

    @app_commands.command(name="list", description="Your memories, newest first, with delete buttons")
    @app_commands.describe(query="Only memories about this")
    async def list_memories(self, interaction: Interaction, query: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        owner = identity_for_interaction(interaction)
        query = query.strip() if query and query.strip() else None
        page = await self.service.list_memories(owner, offset=0, limit=PAGE_SIZE, query=query)
        if not page.items:
            text = "I have no memories about that." if query else messages.NO_MEMORIES
            await interaction.followup.send(text, ephemeral=True)
            return
        notes = await self.service.memory_settings(owner)
        if query_for_buttons(owner.user, query) != query:
            notes.append(QUERY_NOT_KEPT)
        await interaction.followup.send(
            "\n".join(notes) or discord.utils.MISSING,
            embed=memories_embed(page, query=query),
            view=memory_page_view(owner.user, page, query),
            ephemeral=True,
        )

    @app_commands.command(name="export", description="Everything I remember about you, as a JSON file")
    async def export(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        document = (await self.service.export(identity_for_interaction(interaction))).encode("utf-8")
        if len(document) > interaction.filesize_limit:
            await interaction.followup.send(
                "Your export is larger than Discord lets me upload here; ask the bot's operator for "
                "`memorybot export`.",
                ephemeral=True,
            )
            return
        await interaction.followup.send(
            "Here is everything I remember about you.",
            file=discord.File(io.BytesIO(document), filename="memorybot-memories.json"),
            ephemeral=True,
        )

    @app_commands.command(name="pause", description="Stop reading and saving anything about you")
    async def pause(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await self.service.pause_memory(identity_for_interaction(interaction))
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="resume", description="Use and save what you tell me again")
    async def resume(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await self.service.resume_memory(identity_for_interaction(interaction))
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="edit", description="Change one of your memories")
    @app_commands.rename(memory_id="id")
    @app_commands.describe(memory_id="The memory's id, as shown by /memories list", text="Its new text")
    async def edit(self, interaction: Interaction, memory_id: str, text: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await self.service.edit(identity_for_interaction(interaction), memory_id, text)
        await interaction.followup.send(answer, ephemeral=True)

    @edit.autocomplete("memory_id")
    async def _edit_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await memory_choices(self.service, interaction, current)

    @app_commands.command(
        name="retention", description="Erase memories of our past conversations after N days"
    )
    @app_commands.describe(days="e.g. 30d, or off to keep them")
    async def retention(self, interaction: Interaction, days: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await self.service.set_retention(identity_for_interaction(interaction), days)
        await interaction.followup.send(answer, ephemeral=True)


async def memory_choices(
    service: ChatServiceLike, interaction: Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The caller's memories matching what they typed so far, for an `id` option."""
    owner = identity_for_interaction(interaction)
    query = current.strip() or None
    try:
        async with asyncio.timeout(AUTOCOMPLETE_BUDGET_S):
            page = await service.list_memories(owner, offset=0, limit=25, query=query)
    except TimeoutError:
        return []
    return [app_commands.Choice(name=truncate(r.text, 100), value=r.id) for r in page.items]


class ForgetCommands(app_commands.Group):
    def __init__(self, service: ChatServiceLike) -> None:
        super().__init__(name="forget", description="Make me forget one memory, or all of them")
        self.service = service

    @app_commands.command(name="memory", description="Forget one of your memories by its id")
    @app_commands.rename(memory_id="id")
    @app_commands.describe(memory_id="The memory's id, as shown by /memories list")
    async def forget_memory(self, interaction: Interaction, memory_id: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await self.service.forget(identity_for_interaction(interaction), memory_id.strip())
        text = messages.FORGET_ONE_DONE if removed else messages.FORGET_ONE_MISSING
        await interaction.followup.send(text, ephemeral=True)

    @forget_memory.autocomplete("memory_id")
    async def _memory_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await memory_choices(self.service, interaction, current)

    @app_commands.command(name="all", description="Forget everything about you (asks for confirmation)")
    async def forget_all(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        owner = identity_for_interaction(interaction)
        linked = await self.service.linked_identities(owner)
        linked_token = self.service.forget_all_linked_token(owner) if linked else None
        view = forget_all_view(owner.user, self.service.forget_all_token(owner), linked_token)
        text = messages.FORGET_ALL_CONFIRM
        if linked:
            others = ", ".join(linked)
            text += f" Your account is linked with {others}: forget here only, or on every linked account?"
        await interaction.followup.send(text, view=view, ephemeral=True)


def _help_command(service: ChatServiceLike) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(name="help", description="What I do and how to use me")
    async def help_(interaction: Interaction) -> None:
        await interaction.response.send_message(discord_help(service.help_text()), ephemeral=True)

    return help_


async def _on_command_error(interaction: Interaction, error: app_commands.AppCommandError) -> None:
    command = interaction.command.qualified_name if interaction.command else "?"
    log.error("/%s failed", command, exc_info=error)
    await tell_failure(interaction)


def build_tree(client: discord.Client, service: ChatServiceLike) -> app_commands.CommandTree[Any]:
    """The command tree with both groups registered globally; `sync_commands` decides where they go."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    tree.add_command(MemoriesCommands(service))
    tree.add_command(ForgetCommands(service))
    tree.add_command(_help_command(service))
    for command in control_commands(service):
        tree.add_command(command)
    tree.error(_on_command_error)
    return tree


async def sync_commands(tree: app_commands.CommandTree[Any], guild_ids: tuple[int, ...]) -> None:
    """Register the commands with Discord: per guild when guilds are configured (instant), else globally.

    A failure is logged, not raised: mentions and DMs still work without slash commands.
    """
    try:
        if not guild_ids:
            synced = await tree.sync()
            log.info("synced %d global slash commands (they can take a while to appear)", len(synced))
            return
        for guild_id in guild_ids:
            guild = discord.Object(id=guild_id)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            log.info("synced %d slash commands to guild %s", len(synced), guild_id)
    except discord.Forbidden:
        log.error(
            "Discord refused to register slash commands: re-invite the bot with the applications.commands "
            "scope (docs/discord.md) and check DISCORD_GUILD_IDS lists servers the bot is in"
        )
    except discord.HTTPException as exc:
        log.error("registering slash commands failed: %s", exc)

"""Top-level memory-control commands on Discord: `/remember`, `/link`, `/unlink`, and the admins'
`/memorybot memory off|on|status`.

Answers are ephemeral. Who is a server admin is Discord's word: the Manage Server permission (or
Administrator) Discord computes for the member and sends with the interaction. The command is also hidden
from members without it (`default_permissions`), but the core refuses a non-admin regardless, because a
server can change who sees a command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.convert import identity_for_interaction

if TYPE_CHECKING:
    from adapters.discord._service import ChatServiceLike

Interaction = discord.Interaction[discord.Client]
Channel = app_commands.AppCommandChannel | app_commands.AppCommandThread


def is_server_admin(interaction: Interaction) -> bool:
    permissions = interaction.permissions
    return interaction.guild_id is not None and (permissions.manage_guild or permissions.administrator)


class SwitchCommands(app_commands.Group):
    """`/memorybot memory off|on|status`: a nested group, as Discord spells subcommand groups."""

    def __init__(self, service: ChatServiceLike) -> None:
        super().__init__(
            name="memory", description="Switch memory off or on in a channel or the whole server"
        )
        self.service = service

    async def _switch(
        self, interaction: Interaction, *, off: bool, channel: Channel | None, server: bool
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await self.service.switch_memory(
            identity_for_interaction(interaction),
            is_admin=is_server_admin(interaction),
            off=off,
            channel=str(channel.id) if channel is not None else None,
            whole_server=server,
        )
        await interaction.followup.send(answer, ephemeral=True)

    @app_commands.command(name="off", description="Stop reading and saving memories here (admins)")
    @app_commands.describe(channel="This channel when left out", server="The whole server instead")
    async def off(
        self, interaction: Interaction, channel: Channel | None = None, server: bool = False
    ) -> None:
        await self._switch(interaction, off=True, channel=channel, server=server)

    @app_commands.command(name="on", description="Use memories here again (admins)")
    @app_commands.describe(channel="This channel when left out", server="The whole server instead")
    async def on(
        self, interaction: Interaction, channel: Channel | None = None, server: bool = False
    ) -> None:
        await self._switch(interaction, off=False, channel=channel, server=server)

    @app_commands.command(name="status", description="Where memory is switched off in this server")
    async def status(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await self.service.memory_switch_status(identity_for_interaction(interaction))
        await interaction.followup.send(answer, ephemeral=True)


def control_commands(
    service: ChatServiceLike,
) -> list[app_commands.Command[Any, ..., None] | app_commands.Group]:
    @app_commands.command(name="remember", description="Make me remember exactly this about you")
    @app_commands.describe(text="e.g. I prefer lowercase tags")
    async def remember(interaction: Interaction, text: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await service.remember(identity_for_interaction(interaction), text)
        await interaction.followup.send(answer, ephemeral=True)

    @app_commands.command(name="link", description="One memory across Discord, Slack and the console")
    @app_commands.describe(code="The code /link gave you on your other account; leave out to get one")
    async def link(interaction: Interaction, code: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await service.link(identity_for_interaction(interaction), code)
        await interaction.followup.send(answer, ephemeral=True)

    @app_commands.command(name="unlink", description="Split this account from the accounts it is linked with")
    async def unlink(interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await service.unlink(identity_for_interaction(interaction))
        await interaction.followup.send(answer, ephemeral=True)

    admin = app_commands.Group(
        name="memorybot",
        description="Server admins: memory in this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    admin.add_command(SwitchCommands(service))
    return [remember, link, unlink, admin]
